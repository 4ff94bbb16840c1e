/**
 * softmax and logSoftmax along one axis, numerically stable (the lane max is subtracted; see kernels/softmax.ts).
 * Backward: softmax gx = y ⊙ (gy − Σ gy⊙y);  logSoftmax gx = gy − softmax(x)·Σ gy  (sums along the axis).
 */
import { Tensor } from '../tensor/tensor.js';
import { allocArray } from '../tensor/dtype.js';
import { normAxis, numel } from '../tensor/shape.js';
import { ShapeError } from '../tensor/errors.js';
import type { LaneGeom } from '../kernels/softmax.js';
import { softmaxBackward, softmaxForward } from '../backend/dispatch/softmax.js';
import { record } from '../autograd/record.js';

function softmaxOp(op: string, x: Tensor, axis: number, log: boolean): Tensor {
  if (x.dtype === 'int32') throw new ShapeError(op, 'expects a float tensor, got int32', { input: x.shape });
  const a = normAxis(op, axis, x.ndim);
  const g: LaneGeom = {
    outer: numel(x.shape.slice(0, a)),
    D: x.ndim === 0 ? 1 : x.shape[a],
    inner: numel(x.shape.slice(a + 1)),
  };
  const y = allocArray(x.dtype, x.size);
  softmaxForward(y, x.data, g, log);
  return record(op, [x], new Tensor(y, x.shape), (gy) => {
    const gx = allocArray(gy.dtype, x.size);
    softmaxBackward(gx, gy.data, y, g, log);
    return [new Tensor(gx, x.shape)];
  });
}

/** exp(x) / Σ exp(x) along axis. */
export const softmax = (x: Tensor, axis: number): Tensor => softmaxOp('softmax', x, axis, false);
/** x − log Σ exp(x) along axis. */
export const logSoftmax = (x: Tensor, axis: number): Tensor => softmaxOp('logSoftmax', x, axis, true);
