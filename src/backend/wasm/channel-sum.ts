/**
 * Driver of the wasm channel sum (a conv's bias gradient, gb[c] = Σ_{n,i} gy[n, c, i]; pooled kernel 'channelSum.wasm'
 * in elementwise-pooled.ts): the twin of kernels/channel-bias.ts channelSum, the same four double partial sums by
 * element index mod 4 within the plane, the tail added to the first, total (s0 + s1) + (s2 + s3), so the same bits.
 * Channels over the pool. Returns false, doing nothing, when it does not apply (../where.ts: wasmThread, onHeap).
 */
import type { TypedArray } from '../../tensor/dtype.js';
import { getHeap } from '../runtime.js';
import { runChunked } from './elementwise-run.js';
import { onHeap, wasmThread } from '../where.js';

export function channelSumWasm(gb: TypedArray, gy: TypedArray, N: number, C: number, plane: number): boolean {
  if (C === 0 || N * plane === 0 || !(gb instanceof Float32Array) || !wasmThread() || !onHeap([gy])) return false;
  const heap = getHeap();
  heap.resetStaging();
  const sums = heap.stage(8 * C);
  runChunked('channelSum.wasm', [gy.byteOffset, N, C, plane, sums], C, N * plane);
  gb.set(heap.f64.subarray(sums / 8, sums / 8 + C));
  return true;
}
