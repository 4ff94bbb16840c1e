/**
 * cat / stack. cat writes each input into its block of the output along `axis` (a strided scatter with offset
 * off_i·stride[axis]); its gradient is the matching block of gy for each input. stack = unsqueeze each, then cat.
 */
import { Tensor } from '../tensor/tensor.js';
import { allocArray, promote } from '../tensor/dtype.js';
import { type Shape, normAxis, numel, shapesEqual, stridesOf } from '../tensor/shape.js';
import { ConfigError, ShapeError } from '../tensor/errors.js';
import { gatherStrided, scatterStrided } from '../tensor/kernels/strided.js';
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
  const out = allocArray(dtype, numel(shape));
  const strides = stridesOf(shape);
  const offsets: number[] = [];
  let at = 0;
  for (const t of tensors) {
    offsets.push(at * strides[a]);
    scatterStrided(out, t.data, at * strides[a], strides, t.shape);
    at += t.shape[a];
  }
  return record('cat', tensors, new Tensor(out, shape), (gy, needs) =>
    tensors.map((t, i) => {
      if (!needs[i]) return null;
      const g = allocArray(gy.dtype, t.size);
      gatherStrided(g, gy.data, offsets[i], strides, t.shape);
      return new Tensor(g, t.shape);
    }),
  );
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
