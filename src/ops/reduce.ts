/**
 * Reductions over all elements or over axes, with keepdim: sum, mean, max, min, argmax. Sums run in doubles.
 *   sum:  gx = gy broadcast back over the reduced axes;   mean: gx = gy / count broadcast back;
 *   max/min: gx = gy at the arg-max/min element of each reduced group (first index on ties, as torch.max(dim)), 0 elsewhere.
 */
import { Tensor } from '../tensor/tensor.js';
import { allocArray } from '../tensor/dtype.js';
import { normAxis, numel, stridesOf, type Shape } from '../tensor/shape.js';
import { ShapeError } from '../tensor/errors.js';
import { type ReducePlan, reducePlan, scatterAt } from '../kernels/reduce.js';
import { reduceExtreme, reduceSum } from '../backend/dispatch/reduce.js';
import { record } from '../autograd/record.js';
import { expand, reshape } from './shape.js';

export interface ReduceOptions {
  keepdim?: boolean;
}

export type Axes = number | readonly number[] | undefined;

/** Normalised, sorted, de-duplicated axes; all axes when undefined. */
export function reduceAxes(op: string, shape: Shape, axis?: Axes): number[] {
  if (axis === undefined) return shape.map((_, i) => i);
  const list = typeof axis === 'number' ? [axis] : [...axis];
  const out = [...new Set(list.map((a) => normAxis(op, a, shape.length)))].sort((a, b) => a - b);
  if (out.length !== list.length) throw new ShapeError(op, `axis ${JSON.stringify(axis)} repeats a dim`, { input: shape });
  return out;
}

/** The reduced shape with size-1 dims kept (for broadcasting back) and the final output shape. */
export function reducedShapes(shape: Shape, axes: readonly number[], keepdim: boolean): { kept: number[]; out: number[] } {
  const kept = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const out = keepdim ? kept : shape.filter((_, i) => !axes.includes(i));
  return { kept, out };
}

interface Prepared {
  plan: ReducePlan;
  kept: number[];
  out: number[];
}

function prepare(op: string, x: Tensor, axis: Axes, options: ReduceOptions): Prepared {
  const axes = reduceAxes(op, x.shape, axis);
  const { kept, out } = reducedShapes(x.shape, axes, options.keepdim ?? false);
  return { plan: reducePlan(x.shape, axes), kept, out };
}

/** gy (reduced shape) broadcast back to x's shape. */
const spread = (gy: Tensor, kept: Shape, shape: Shape): Tensor => expand(reshape(gy, kept), shape);

export function sum(x: Tensor, axis?: Axes, options: ReduceOptions = {}): Tensor {
  const { plan, kept, out } = prepare('sum', x, axis, options);
  const y = allocArray(x.dtype, numel(out));
  reduceSum(y, x.data, plan);
  return record('sum', [x], new Tensor(y, out), (gy) => [spread(gy, kept, x.shape)]);
}

export function mean(x: Tensor, axis?: Axes, options: ReduceOptions = {}): Tensor {
  if (x.dtype === 'int32') throw new ShapeError('mean', 'expects a float tensor, got int32', { input: x.shape });
  const { plan, kept, out } = prepare('mean', x, axis, options);
  const y = allocArray(x.dtype, numel(out));
  reduceSum(y, x.data, plan, plan.count);
  return record('mean', [x], new Tensor(y, out), (gy) => {
    const g = allocArray(gy.dtype, gy.size);
    for (let i = 0; i < g.length; i++) g[i] = gy.data[i] / plan.count;
    return [spread(new Tensor(g, gy.shape), kept, x.shape)];
  });
}

/** Values and source offsets of max or min; an empty group is an error (there is no identity). */
function extreme(op: string, x: Tensor, axis: Axes, options: ReduceOptions, isMax: boolean): [Tensor, Int32Array] {
  const { plan, out } = prepare(op, x, axis, options);
  const n = numel(out);
  if (plan.count === 0 && n > 0) throw new ShapeError(op, 'cannot reduce over an empty dimension', { input: x.shape });
  const y = allocArray(x.dtype, n);
  const src = new Int32Array(n);
  reduceExtreme(y, src, x.data, plan, isMax);
  return [new Tensor(y, out), src];
}

function extremeOp(op: string, isMax: boolean) {
  return (x: Tensor, axis?: Axes, options: ReduceOptions = {}): Tensor => {
    const [y, src] = extreme(op, x, axis, options, isMax);
    return record(op, [x], y, (gy) => {
      const g = allocArray(gy.dtype, x.size);
      scatterAt(g, src, gy.data);
      return [new Tensor(g, x.shape)];
    });
  };
}

/** Largest value over the axes (all when undefined). */
export const max = extremeOp('max', true);
/** Smallest value over the axes (all when undefined). */
export const min = extremeOp('min', false);

/**
 * Index of the largest value along `axis` (int32), first index on ties; with no axis, the index into the
 * flattened tensor (as torch.argmax).
 */
export function argmax(x: Tensor, axis?: number, options: ReduceOptions = {}): Tensor {
  const [y, src] = extreme('argmax', x, axis, options, true);
  const out = new Int32Array(src.length);
  if (axis === undefined) out.set(src);
  else {
    const a = normAxis('argmax', axis, x.ndim);
    const stride = x.ndim === 0 ? 1 : stridesOf(x.shape)[a];
    const size = x.ndim === 0 ? 1 : x.shape[a];
    for (let i = 0; i < out.length; i++) out[i] = Math.floor(src[i] / stride) % size;
  }
  return new Tensor(out, y.shape);
}
