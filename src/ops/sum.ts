/**
 * sum over all elements or over axes, with keepdim. The gradient broadcasts gy back: gx[i] = gy[reduced index of i].
 */
import { Tensor } from '../tensor/tensor.js';
import { allocArray } from '../tensor/dtype.js';
import { normAxis, numel, type Shape } from '../tensor/shape.js';
import { broadcastStrides, binaryBroadcast, sumToBroadcast } from '../tensor/kernels/elementwise.js';
import { record } from '../autograd/record.js';
import { ShapeError } from '../tensor/errors.js';

export interface ReduceOptions {
  keepdim?: boolean;
}

/** Normalised, sorted, de-duplicated axes; all axes when undefined. */
export function reduceAxes(op: string, shape: Shape, axis?: number | readonly number[]): number[] {
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

/** Broadcast g (shape `kept`, with 1s) back to `shape`. */
export function expandTo(g: Tensor, kept: Shape, shape: Shape): Tensor {
  const out = allocArray(g.dtype, numel(shape));
  binaryBroadcast(out, g.data, broadcastStrides(kept, shape), g.data, broadcastStrides(kept, shape), shape, (u) => u);
  return new Tensor(out, shape);
}

export function sum(x: Tensor, axis?: number | readonly number[], options: ReduceOptions = {}): Tensor {
  const axes = reduceAxes('sum', x.shape, axis);
  const { kept, out } = reducedShapes(x.shape, axes, options.keepdim ?? false);
  const y = allocArray(x.dtype === 'int32' ? 'int32' : x.dtype, numel(kept));
  sumToBroadcast(y, broadcastStrides(kept, x.shape), x.data, x.shape);
  return record('sum', [x], new Tensor(y, out), (gy) => [expandTo(gy, kept, x.shape)]);
}
