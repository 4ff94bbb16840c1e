/**
 * permute / transpose: reorder the axes (a copy into the new row-major order).
 * y[i_0, ..., i_k] = x[i at positions inverse(dims)], i.e. y's dim d is x's dim dims[d]. Gradient: permute gy by
 * the inverse permutation.
 */
import { Tensor } from '../tensor/tensor.js';
import { allocUninit } from '../tensor/dtype.js';
import { fmtShape, normAxis, stridesOf } from '../tensor/shape.js';
import { ShapeError } from '../tensor/errors.js';
import { gatherStrided } from '../backend/dispatch/strided.js';
import { record } from '../autograd/record.js';

export function permute(x: Tensor, dims: readonly number[]): Tensor {
  const n = x.ndim;
  const perm = dims.map((d) => (Number.isInteger(d) && d < 0 ? d + n : d));
  const valid = perm.length === n && perm.every((d) => Number.isInteger(d) && d >= 0 && d < n) && new Set(perm).size === n;
  if (!valid) throw new ShapeError('permute', `dims ${fmtShape(dims)} are not a permutation of the ${n} axes`, { input: x.shape });
  const xs = stridesOf(x.shape);
  const shape = perm.map((d) => x.shape[d]);
  const out = allocUninit(x.dtype, x.size); // every element written
  gatherStrided(out, x.data, 0, perm.map((d) => xs[d]), shape);
  const inverse = new Array<number>(n);
  perm.forEach((d, i) => (inverse[d] = i));
  return record('permute', [x], new Tensor(out, shape), (gy) => [permute(gy, inverse)]);
}

/** Swap two axes. */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  const a = normAxis('transpose', dim0, x.ndim);
  const b = normAxis('transpose', dim1, x.ndim);
  const perm = x.shape.map((_, i) => i);
  if (x.ndim > 0) [perm[a], perm[b]] = [perm[b], perm[a]];
  return permute(x, perm);
}
