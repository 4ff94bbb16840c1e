/**
 * Drivers of the wasm bilinear resize (forward, backward; pooled in elementwise-pooled.ts), the twins of
 * src/kernels/upsample2d.ts bilinearForward / bilinearBackward, planes over the pool. Each returns false, doing
 * nothing, when it does not apply (see elementwise-run.ts); the caller (dispatch/upsample2d.ts) then runs the loop.
 */
import type { TypedArray } from '../../tensor/dtype.js';
import type { LinearAxis, ResampleGeom } from '../../kernels/upsample2d.js';
import { getHeap } from '../runtime.js';
import { runChunked } from './elementwise-run.js';
import { onHeap, wasmThread } from '../where.js';

/** An axis table staged as i0 (i32[len]), i1 (i32[len]), l0 (f64[len]), l1 (f64[len]); its address. */
function stageAxis(t: LinearAxis): number {
  const heap = getHeap(), len = t.i0.length, at = heap.stage(24 * len);
  new Int32Array(heap.f32.buffer, at, len).set(t.i0);
  new Int32Array(heap.f32.buffer, at + 4 * len, len).set(t.i1);
  heap.f64.set(t.l0, at / 8 + len);
  heap.f64.set(t.l1, at / 8 + 2 * len);
  return at;
}

/** y = bilinear resize of x with the axis tables th, tw, as bilinearForward (planes over the pool). */
export function bilinearWasm(y: TypedArray, x: TypedArray, th: LinearAxis, tw: LinearAxis, g: ResampleGeom): boolean {
  const heap = getHeap();
  if (g.P === 0 || g.oH === 0 || g.oW === 0 || 16 * g.oW > heap.slotBytes || !wasmThread() || !onHeap([y, x])) return false;
  heap.resetStaging();
  const args = [x.byteOffset, y.byteOffset, g.H, g.W, g.oH, g.oW, stageAxis(tw), stageAxis(th)];
  runChunked('bilinear.wasm', args, g.P, g.oH * g.oW);
  return true;
}

/** gx = Aᵀ·gy for the bilinear resize (planes over the pool; gx overwritten), as bilinearBackward. */
export function bilinearBackwardWasm(gx: TypedArray, gy: TypedArray, th: LinearAxis, tw: LinearAxis, g: ResampleGeom): boolean {
  if (g.P === 0 || g.H === 0 || g.W === 0 || !wasmThread() || !onHeap([gx, gy])) return false;
  const heap = getHeap();
  heap.resetStaging();
  const args = [gy.byteOffset, gx.byteOffset, g.H, g.W, g.oH, g.oW, stageAxis(tw), stageAxis(th)];
  runChunked('bilinearBackward.wasm', args, g.P, g.oH * g.oW);
  return true;
}
