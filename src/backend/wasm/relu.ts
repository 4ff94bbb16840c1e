/**
 * ReLU on the wasm backend (the generated relu / reluBackward of modules/elementwise-module.ts, over the pool): for
 * float32 work on the main thread whose arrays already live in the shared heap (a streaming pass: copies in and out
 * would cost what it saves, see elementwise-run.ts). The same bits as the loops of kernels/activations.ts:
 *   forward   max(x, 0) (IEEE maximum: NaN stays NaN, −0 gives +0) = the loop's x > 0 || x ≠ x ? x : 0
 *   backward  gy where y > 0, else +0 (a comparison mask and'ed with gy) = the loop's y > 0 ? gy : 0
 * Each returns false, having done nothing, where it does not apply.
 */
import type { FloatArray } from '../../tensor/dtype.js';
import { onHeap, wasmThread } from '../where.js';
import { runChunked } from './elementwise-run.js';

export function reluWasm(y: FloatArray, x: FloatArray): boolean {
  if (y.length === 0 || y.length !== x.length || !wasmThread() || !onHeap([y, x])) return false;
  runChunked('relu.wasm', [x.byteOffset, y.byteOffset], y.length, 1);
  return true;
}

export function reluBackwardWasm(gx: FloatArray, gy: FloatArray, y: FloatArray): boolean {
  if (gx.length === 0 || gy.length !== gx.length || y.length !== gx.length || !wasmThread() || !onHeap([gx, gy, y])) return false;
  runChunked('reluBackward.wasm', [gy.byteOffset, y.byteOffset, gx.byteOffset], gx.length, 1);
  return true;
}
