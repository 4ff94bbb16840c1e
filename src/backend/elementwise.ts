/**
 * Element-wise kernels on the wasm backend, for float32 arrays: the input is staged into the shared heap (unless
 * it already lives there), the pool runs chunks of [0, n) on every thread, and the result is copied back.
 * float64, and the js backend, stay with the js kernels in src/tensor/kernels/ (the caller picks, see
 * `useWasmFor`); the wasm twins are property-tested against them (tests/backend/elementwise.test.ts).
 *
 *   geluWasm(y, x)   y = ½·x·(1 + erf(x/√2))   (exact GELU; erf to 4e-7 absolute, see wasm/gelu-module.ts)
 */
import { isMainThread } from 'node:worker_threads';
import type { FloatArray } from '../tensor/dtype.js';
import { getBackend, getHeap, getPool, getThreads } from './runtime.js';

/** Elements per chunk (and the least work worth a second thread): ~0.1 ms of GELU. */
const CHUNK = 1 << 16;

/** True when element-wise work on `x` should take the wasm kernels: float32 data on the wasm backend. */
export function useWasmFor(x: FloatArray): x is Float32Array {
  return x instanceof Float32Array && getBackend() === 'wasm' && isMainThread;
}

export function geluWasm(y: Float32Array, x: Float32Array): void {
  runUnary('gelu.wasm', y, x);
}

function runUnary(kernel: string, y: Float32Array, x: Float32Array): void {
  const n = x.length;
  if (n === 0) return;
  const heap = getHeap();
  heap.resetStaging();
  const xIn = heap.contains(x), yIn = heap.contains(y);
  const src = xIn ? x.byteOffset : heap.stageCopy(x, 0, n, 'float32');
  const dst = yIn ? y.byteOffset : heap.stage(4 * n);
  const threads = Math.min(getThreads(), Math.ceil(n / CHUNK));
  getPool().run(kernel, [src, dst], n, { align: 4, threads, chunks: Math.ceil(n / CHUNK) });
  if (!yIn) y.set(heap.f32.subarray(dst / 4, dst / 4 + n));
}
