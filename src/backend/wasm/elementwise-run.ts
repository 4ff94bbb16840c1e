/**
 * What the drivers of the wasm element-wise kernels (arith.ts, batchnorm.ts, bilinear.ts; the pooled kernels are in
 * elementwise-pooled.ts over modules/elementwise-module.ts) share: small operands copied in, and how they start the
 * pool. They apply (../where.ts: wasmThread and onHeap) only to float32 work on the wasm backend, on the main
 * thread, whose output and full-size inputs are
 * already views of the shared heap (tensor buffers of ≥ 16384 elements are, see parallel/tensor-buffers.ts):
 * these kernels stream memory, so staging copies in and out cost what the kernel saves (measured, 2M-element
 * float32 add, 2 threads, medians of 31: js 2.3-2.9 ms, wasm on heap views 0.5-0.7 ms, wasm with both inputs copied
 * in and the result copied out 2.5-2.7 ms). Small broadcast operands (gates, scalars) are copied in.
 * Results are bit-identical to the js kernels and for any thread count (tests/backend/elementwise-wasm.test.ts).
 */
import type { TypedArray } from '../../tensor/dtype.js';
import { getHeap, getPool, getThreads } from '../runtime.js';

/** Elements per pool chunk (~30-60 us of streaming on one core); also the least work that takes a second thread. */
let chunkElements = 1 << 16;

/** For tests: a smaller chunk so that short arrays are split across threads (returns the previous value). */
export function setElementwiseChunk(n: number): number {
  const old = chunkElements;
  chunkElements = n;
  return old;
}

/**
 * The heap address of operand x of an op writing `outLength` elements: x itself when it is a heap view; a staged
 * copy when x is a small float32 array (a per-channel gate, a scalar: at most a quarter of the output, so the copy
 * is cheap next to the op); else 0 (the op runs the js kernel).
 */
export function operandAddress(x: TypedArray, outLength: number): number {
  if (!(x instanceof Float32Array)) return 0;
  const heap = getHeap();
  if (heap.contains(x)) return x.byteOffset;
  return 4 * x.length <= outLength ? heap.stageCopy(x, 0, x.length, 'float32') : 0;
}

/** Run pooled kernel `kernel` over [0, total) work units of `unit` elements each, in chunks of ~chunkElements. */
export function runChunked(kernel: string, args: number[], total: number, unit: number): void {
  const chunks = Math.max(1, Math.ceil((total * unit) / chunkElements));
  const threads = Math.min(getThreads(), chunks);
  getPool().run(kernel, args, total, { align: unit === 1 ? 16 : 1, threads, chunks: Math.min(chunks, total) });
}
