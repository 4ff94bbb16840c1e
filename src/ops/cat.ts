/**
 * cat / stack. cat writes each input into its block of the output along `axis`; its gradient is the matching block
 * of gy for each input. stack = unsqueeze each, then cat.
 * Layout: with `outer` = the product of the dims before `axis`, input i is `outer` contiguous runs of
 * shape_i[axis]·stride[axis] elements, run o landing at o·shape[axis]·stride[axis] + off_i·stride[axis] of the output,
 * so both directions are `outer` bulk copies (typed-array set: a memcpy when the dtypes match).
 */
import { Tensor } from '../tensor/tensor.js';
import { allocUninit, promote, type TypedArray } from '../tensor/dtype.js';
import { type Shape, normAxis, numel, shapesEqual, stridesOf } from '../tensor/shape.js';
import { ConfigError, ShapeError } from '../tensor/errors.js';
import { record } from '../autograd/record.js';
import { unsqueeze } from './shape.js';

const named = (tensors: readonly Tensor[], ...which: number[]): Record<string, Shape> =>
  Object.fromEntries(which.map((i) => [`tensor ${i}`, tensors[i].shape]));

/** Concatenate along an existing axis; every other dim must match. Dtypes are promoted to a common one. */
export function cat(tensors: readonly Tensor[], axis = 0): Tensor {
  if (tensors.length === 0) throw new ConfigError('cat', 'expects a non-empty list of tensors');
  const first = tensors[0];
  tensors.forEach((t, i) => {
    if (t.ndim === 0) throw new ShapeError('cat', `zero-dimensional tensor ${i} cannot be concatenated`, named(tensors, i));
    if (t.ndim !== first.ndim) throw new ShapeError('cat', 'tensors must have the same number of dims', named(tensors, 0, i));
  });
  const a = normAxis('cat', axis, first.ndim);
  tensors.forEach((t, i) => {
    if (t.shape.some((d, k) => k !== a && d !== first.shape[k])) {
      throw new ShapeError('cat', `tensors must match except in axis ${a}`, named(tensors, 0, i));
    }
  });
  const shape = [...first.shape];
  shape[a] = tensors.reduce((s, t) => s + t.shape[a], 0);
  const dtype = tensors.reduce((d, t) => promote(d, t.dtype), first.dtype);
  const out = allocUninit(dtype, numel(shape)); // every element written: the inputs' blocks tile the output
  const strides = stridesOf(shape);
  const outer = shape.slice(0, a).reduce((p, d) => p * d, 1), outRun = shape[a] * strides[a];
  const offsets: number[] = [];
  let at = 0;
  for (const t of tensors) {
    offsets.push(at * strides[a]);
    copyRuns(out, at * strides[a], outRun, t.data, 0, t.shape[a] * strides[a], t.shape[a] * strides[a], outer);
    at += t.shape[a];
  }
  return record('cat', tensors, new Tensor(out, shape), (gy, needs) =>
    tensors.map((t, i) => {
      if (!needs[i]) return null;
      const run = t.shape[a] * strides[a];
      const g = allocUninit(gy.dtype, t.size); // every element written
      copyRuns(g, 0, run, gy.data, offsets[i], outRun, run, outer);
      return new Tensor(g, t.shape);
    }),
  [], // reads only gy
  );
}

/** dst[d0 + o·dStep + j] = src[s0 + o·sStep + j] for o < count, j < run. */
function copyRuns(dst: TypedArray, d0: number, dStep: number, src: TypedArray, s0: number, sStep: number, run: number, count: number): void {
  if (run === 0) return;
  for (let o = 0; o < count; o++) dst.set(src.subarray(s0 + o * sStep, s0 + o * sStep + run), d0 + o * dStep);
}

/** Join equally shaped tensors along a new axis (in [-ndim-1, ndim]). */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  if (tensors.length === 0) throw new ConfigError('stack', 'expects a non-empty list of tensors');
  tensors.forEach((t, i) => {
    if (!shapesEqual(t.shape, tensors[0].shape)) throw new ShapeError('stack', 'all tensors must have the same shape', named(tensors, 0, i));
  });
  const a = normAxis('stack', axis, tensors[0].ndim + 1);
  return cat(
    tensors.map((t) => unsqueeze(t, a)),
    a,
  );
}
