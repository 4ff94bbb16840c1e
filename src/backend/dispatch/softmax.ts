/**
 * Which implementation runs softmax and log-softmax (the loops: src/kernels/softmax.ts; the ops: src/ops/softmax.ts).
 *
 *   more than one thread, main thread,   the loop over the worker pool by lanes (parallel/js-pooled.ts): each lane's
 *   one element type, two chunks or more outputs from its own sums, so the same bits
 *   otherwise                            the loop on this thread
 */
import { type FloatArray, type TypedArray, isFloatArray } from '../../tensor/dtype.js';
import * as K from '../../kernels/softmax.js';
import { runSoftmaxJs } from '../parallel/js-pooled.js';


export function softmaxForward(y: TypedArray, x: TypedArray, g: K.LaneGeom, log: boolean): void {
  if (!(isFloatArray(y) && isFloatArray(x) && runSoftmaxJs(y, x, null, g, log))) K.softmaxForward(y, x, g, log);
}

export function softmaxBackward(gx: TypedArray, gy: TypedArray, y: TypedArray, g: K.LaneGeom, log: boolean): void {
  if (!(isFloatArray(gx) && isFloatArray(gy) && isFloatArray(y) && runSoftmaxJs(gx, y, gy, g, log))) K.softmaxBackward(gx, gy, y, g, log);
}
