/**
 * Which implementation runs the bilinear resize (the loops are in src/kernels/upsample2d.ts; nearest has only its
 * loops, which the op calls directly).
 *
 *   bilinear / bilinearBackward
 *     float32, wasm backend, main thread, tensors in the shared heap
 *                         the wasm kernels over the pool, planes split (wasm/bilinear.ts): the same double-precision
 *                         weights and sums, so the same bits
 *     otherwise           the loops, this thread
 */
import type { FloatArray } from '../../tensor/dtype.js';
import { type LinearAxis, type ResampleGeom, bilinearBackward as bilinearBackwardLoop, bilinearForward } from '../../kernels/upsample2d.js';
import { bilinearBackwardWasm, bilinearWasm } from '../wasm/bilinear.js';

export function bilinear(y: FloatArray, x: FloatArray, th: LinearAxis, tw: LinearAxis, g: ResampleGeom): void {
  if (!bilinearWasm(y, x, th, tw, g)) bilinearForward(y, x, th, tw, g);
}

/** gx = Aᵀ·gy (gx overwritten). */
export function bilinearBackward(gx: FloatArray, gy: FloatArray, th: LinearAxis, tw: LinearAxis, g: ResampleGeom): void {
  if (!bilinearBackwardWasm(gx, gy, th, tw, g)) bilinearBackwardLoop(gx, gy, th, tw, g);
}
