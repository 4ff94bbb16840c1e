/**
 * Shape changes that keep the element order: reshape/view, flatten, squeeze, unsqueeze; and expand (broadcast_to).
 *
 * reshape and its relatives return a new Tensor that SHARES x.data (no copy). That is safe because tensors are
 * immutable by convention: no op writes into its inputs (the only in-place writers, such as an optimizer step
 * or BatchNorm's running statistics, update parameters/buffers, and a reshaped view of them sees the update,
 * as a PyTorch view would). Gradient: gx = gy reshaped back to x's shape. expand copies; its gradient is
 * sumTo(gy, x.shape), the adjoint of broadcasting.
 */
import { Tensor } from '../tensor/tensor.js';
import { allocArray } from '../tensor/dtype.js';
import { type Shape, fmtShape, normAxis, numel, shapesEqual } from '../tensor/shape.js';
import { ShapeError } from '../tensor/errors.js';
import { broadcastStrides } from '../kernels/elementwise.js';
import { gatherStrided } from '../backend/dispatch/strided.js';
import { record } from '../autograd/record.js';
import { sumTo } from './broadcast.js';

/** Resolve a target shape with at most one -1 against x's element count. */
function resolveShape(op: string, x: Tensor, shape: Shape): number[] {
  const holes = shape.filter((d) => d === -1).length;
  if (holes > 1) throw new ShapeError(op, `only one dimension can be -1, got ${fmtShape(shape)}`, { input: x.shape });
  for (const d of shape) {
    if (!Number.isInteger(d) || d < -1) {
      throw new ShapeError(op, `shape ${fmtShape(shape)} must hold non-negative integers (or one -1)`, { input: x.shape });
    }
  }
  const known = shape.reduce((p, d) => (d === -1 ? p : p * d), 1);
  const out = [...shape];
  if (holes === 1) {
    if (known === 0 || x.size % known !== 0) {
      throw new ShapeError(op, `cannot reshape ${fmtShape(x.shape)} (${x.size} elements) to ${fmtShape(shape)}`);
    }
    out[out.indexOf(-1)] = x.size / known;
  } else if (known !== x.size) {
    throw new ShapeError(op, `cannot reshape ${fmtShape(x.shape)} (${x.size} elements) to ${fmtShape(shape)} (${known} elements)`);
  }
  return out;
}

/** The same data under a new shape (no copy); the shape may hold one -1, inferred from the element count. */
function reshapeAs(op: string, x: Tensor, shape: Shape): Tensor {
  const target = resolveShape(op, x, shape);
  return record('reshape', [x], new Tensor(x.data, target), (gy) => [reshape(gy, x.shape)]);
}

export const reshape = (x: Tensor, shape: Shape): Tensor => reshapeAs('reshape', x, shape);
/** Same as reshape (our tensors are always contiguous, so every reshape is a view). */
export const view = (x: Tensor, shape: Shape): Tensor => reshapeAs('view', x, shape);

/** Merge dims start..end (inclusive, negative counts from the end) into one; a 0-d tensor becomes [1]. */
export function flatten(x: Tensor, start = 0, end = -1): Tensor {
  if (x.ndim === 0) return reshapeAs('flatten', x, [1]);
  const s = normAxis('flatten', start, x.ndim);
  const e = normAxis('flatten', end, x.ndim);
  if (s > e) throw new ShapeError('flatten', `start axis ${start} must not come after end axis ${end}`, { input: x.shape });
  const merged = numel(x.shape.slice(s, e + 1));
  return reshapeAs('flatten', x, [...x.shape.slice(0, s), merged, ...x.shape.slice(e + 1)]);
}

/** Remove size-1 dims: all of them, or those among `axis` (a listed dim of another size is kept, as in PyTorch). */
export function squeeze(x: Tensor, axis?: number | readonly number[]): Tensor {
  const listed = axis === undefined ? null : (typeof axis === 'number' ? [axis] : axis).map((a) => normAxis('squeeze', a, x.ndim));
  const shape = x.shape.filter((d, i) => !(d === 1 && (listed === null || listed.includes(i))));
  return reshapeAs('squeeze', x, shape);
}

/** Insert a size-1 dim at `axis` (in [-ndim-1, ndim]). */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  const a = normAxis('unsqueeze', axis, x.ndim + 1);
  return reshapeAs('unsqueeze', x, [...x.shape.slice(0, a), 1, ...x.shape.slice(a)]);
}

/**
 * Broadcast x to `shape` (torch's expand / NumPy's broadcast_to): new dims may be added on the left, a size-1 dim
 * may grow, and -1 keeps an existing dim. The result is a copy.
 */
export function expand(x: Tensor, shape: Shape): Tensor {
  const lead = shape.length - x.ndim;
  if (lead < 0) {
    throw new ShapeError('expand', `the target has fewer dims (${shape.length}) than the input (${x.ndim})`, { input: x.shape, shape });
  }
  const target = shape.map((d, i) => (d === -1 && i >= lead ? x.shape[i - lead] : d));
  for (let i = 0; i < target.length; i++) {
    const d = target[i];
    if (!Number.isInteger(d) || d < 0) {
      throw new ShapeError('expand', `size ${shape[i]} at dim ${i} is invalid (-1 only keeps an existing dim)`, { input: x.shape, shape });
    }
    const xs = i >= lead ? x.shape[i - lead] : 1;
    if (xs !== d && xs !== 1) {
      throw new ShapeError('expand', `size ${xs} of input dim ${i - lead} must equal ${d} or be 1`, { input: x.shape, shape });
    }
  }
  if (shapesEqual(target, x.shape)) return reshapeAs('expand', x, target);
  const out = allocArray(x.dtype, numel(target));
  gatherStrided(out, x.data, 0, broadcastStrides(x.shape, target), target);
  return record('expand', [x], new Tensor(out, target), (gy) => [sumTo(gy, x.shape)]);
}
