/**
 * Which implementation runs the unary ops' loops (src/kernels/unary.ts; the ops: src/ops/unary.ts):
 *
 *   one element type, big enough, more than one thread   the loop split over the worker pool (parallel/js-pooled.ts),
 *                                                        every element by the same expression, so the same bits
 *   otherwise                                            the loop on this thread
 */
import type { FloatArray } from '../../tensor/dtype.js';
import { type UnaryLoopName, unaryLoops } from '../../kernels/unary.js';
import { runElementwiseJs } from '../parallel/js-pooled.js';

export function unaryForward(name: UnaryLoopName, y: FloatArray, x: FloatArray): void {
  if (!runElementwiseJs(`unary.${name}.js`, y, [x])) unaryLoops[name][0](y, x, 0, y.length);
}

/** gx = gy · f'(x, y); the pooled kernel takes [gy, x, y] as its inputs. */
export function unaryBackward(name: UnaryLoopName, gx: FloatArray, gy: FloatArray, x: FloatArray, y: FloatArray): void {
  if (!runElementwiseJs(`unaryBackward.${name}.js`, gx, [gy, x, y])) unaryLoops[name][1](gx, gy, x, y, 0, gx.length);
}
