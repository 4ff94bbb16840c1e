/**
 * Element-wise kernels on the wasm backend, for float32 arrays: the input is staged into the shared heap (unless
 * it already lives there), the pool runs chunks of [0, n) on every thread, and the result is copied back.
 * float64, and the js backend, stay with the js kernels in src/kernels/ (the caller picks, see
 * `useWasmFor` in ../where.ts); the wasm twins are property-tested against them (tests/backend/elementwise.test.ts).
 *
 *   geluWasm(y, x)                 y = ½·x·(1 + erf(x/√2))   (exact GELU; erf to 4e-7 absolute, see wasm/gelu-module.ts)
 *   geluBackwardWasm(gx, gy, x)    gx = gy·(Φ(x) + x·φ(x))
 */
import type { FloatArray } from '../../tensor/dtype.js';
import { getHeap, getPool, getThreads } from '../runtime.js';
import { unitsPerPiece } from './stage-pieces.js';

/** Elements per chunk (and the least work worth a second thread): ~0.1 ms of GELU. */
const CHUNK = 1 << 16;

export function geluWasm(y: Float32Array, x: Float32Array): void {
  runElementwise('gelu.wasm', y, [x]);
}

export function geluBackwardWasm(gx: Float32Array, gy: Float32Array, x: Float32Array): void {
  runElementwise('geluBackward.wasm', gx, [gy, x]);
}

/** Pooled kernel args: the inputs' addresses, then the output's; [0, n) split in chunks of CHUNK elements. */
function runElementwise(kernel: string, out: Float32Array, inputs: Float32Array[]): void {
  const n = out.length;
  const heap = getHeap();
  const piece = heap.contains(out) && heap.containsAll(inputs) ? n : unitsPerPiece(4); // wasm/stage-pieces.ts
  for (let lo = 0; lo < n; lo += piece) {
    const len = Math.min(piece, n - lo);
    heap.resetStaging();
    const addrs = inputs.map((x) => heap.place(x, lo, len));
    const outIn = heap.contains(out), dst = outIn ? out.byteOffset + 4 * lo : heap.stage(4 * len);
    const threads = Math.min(getThreads(), Math.ceil(len / CHUNK));
    getPool().run(kernel, [...addrs, dst], len, { align: 4, threads, chunks: Math.ceil(len / CHUNK) });
    if (!outIn) out.set(heap.f32.subarray(dst / 4, dst / 4 + len), lo);
  }
}
