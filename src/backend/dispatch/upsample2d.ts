/**
 * Which implementation runs the resizes (the loops are in src/kernels/upsample2d.ts).
 *
 *   bilinear / bilinearBackward
 *     float32, wasm backend, main thread, tensors in the shared heap
 *                         the wasm kernels over the pool, planes split (wasm/bilinear.ts): the same double-precision
 *                         weights and sums, so the same bits
 *     otherwise           the loops, this thread
 *   nearest / nearestBackward
 *     more than one thread, one element type, big enough
 *                         the loops over the pool, planes split (parallel/js-pooled.ts runNearestJs), the same bits
 *     otherwise           the loops, this thread
 */
import type { FloatArray } from '../../tensor/dtype.js';
import {
  type LinearAxis, type ResampleGeom, bilinearBackward as bilinearBackwardLoop, bilinearForward, nearestBackward as nearestBackwardLoop,
  nearestForward,
} from '../../kernels/upsample2d.js';
import { runNearestJs } from '../parallel/js-pooled.js';
import { bilinearBackwardWasm, bilinearWasm } from '../wasm/bilinear.js';

export function bilinear(y: FloatArray, x: FloatArray, th: LinearAxis, tw: LinearAxis, g: ResampleGeom): void {
  if (!bilinearWasm(y, x, th, tw, g)) bilinearForward(y, x, th, tw, g);
}

/** gx = Aᵀ·gy (gx overwritten). */
export function bilinearBackward(gx: FloatArray, gy: FloatArray, th: LinearAxis, tw: LinearAxis, g: ResampleGeom): void {
  if (!bilinearBackwardWasm(gx, gy, th, tw, g)) bilinearBackwardLoop(gx, gy, th, tw, g);
}

export function nearest(y: FloatArray, x: FloatArray, ih: Int32Array, iw: Int32Array, g: ResampleGeom): void {
  if (!runNearestJs('forward', y, x, ih, iw, g)) nearestForward(y, x, ih, iw, g);
}

/** gx = Aᵀ·gy (gx overwritten). */
export function nearestBackward(gx: FloatArray, gy: FloatArray, ih: Int32Array, iw: Int32Array, g: ResampleGeom): void {
  if (!runNearestJs('backward', gx, gy, ih, iw, g)) nearestBackwardLoop(gx, gy, ih, iw, g);
}
