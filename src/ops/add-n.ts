/**
 * addN(tensors): the element-wise sum of k ≥ 1 tensors of one shape and one dtype, in one pass,
 *   y = ((t0 + t1) + t2) + … + t_{k−1}
 * bit-identical to the chained binary adds (same order, each partial sum rounded to the dtype), without their
 * k − 2 full-size temporaries. No broadcasting and no dtype promotion: those are what `add` is for.
 * Derivative: ∂y/∂t_i = 1, so every input's gradient is gy itself.
 */
import { Tensor } from '../tensor/tensor.js';
import { allocUninit } from '../tensor/dtype.js';
import { type Shape, shapesEqual } from '../tensor/shape.js';
import { ConfigError, ShapeError } from '../tensor/errors.js';
import { record } from '../autograd/record.js';
import { addN as addNDispatch } from '../backend/dispatch/elementwise.js';

const named = (tensors: readonly Tensor[], ...which: number[]): Record<string, Shape> =>
  Object.fromEntries(which.map((i) => [`tensors[${i}]`, tensors[i].shape]));

/** Sum of equally shaped tensors of one dtype, added left to right. Shape: any; output like tensors[0]. */
export function addN(tensors: readonly Tensor[]): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new ConfigError('addN', 'expects a non-empty array of tensors');
  tensors.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new ConfigError('addN', `tensors[${i}] is not a Tensor`);
  });
  const first = tensors[0];
  tensors.forEach((t, i) => {
    if (!shapesEqual(t.shape, first.shape)) {
      throw new ShapeError('addN', `tensors[${i}] must have the shape of tensors[0] (no broadcasting)`, named(tensors, 0, i));
    }
    if (t.dtype !== first.dtype) {
      throw new ShapeError('addN', `tensors[${i}] has dtype ${t.dtype}, tensors[0] ${first.dtype} (no promotion)`, named(tensors, 0, i));
    }
  });
  const out = allocUninit(first.dtype, first.size); // every element written
  const xs = tensors.map((t) => t.data);
  addNDispatch(out, xs); // float32 heap tensors: SIMD on the pool, same bits
  return record('addN', tensors, new Tensor(out, first.shape), (gy, needs) => needs.map((need) => (need ? gy : null)), []);
}
