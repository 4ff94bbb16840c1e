/**
 * The kernel backends, as the ops see them.
 *
 *   gemm(p)                  C (+)= op(A)·op(B) for any float32/float64 arrays (src/kernels/gemm.ts
 *                            has the index formulas); runs on the current backend and threads
 *   geluWasm(y, x), geluBackwardWasm(gx, gy, x)
 *                            float32 exact GELU on the wasm kernels and every thread; `useWasmFor(x)` says when
 *   depthwiseGatherWasm(g)   float32 stride-1 depth-wise conv body (forward / input gradient), planes over the pool
 *   setBackend('js'|'wasm')  'wasm' (TypeScript-generated WebAssembly SIMD) is the default where SIMD validates
 *   setThreads(n)            threads sharing the work, main thread included; default os.availableParallelism()
 *                            (1 when running from TypeScript sources, where workers would run a stale dist/)
 *   runPooled(name, args, total, { align, threads, chunks })
 *                            run a registered pooled kernel over [0, total) split across the threads
 *
 * Plugging in a kernel:
 * 1. Write the plain loop in src/kernels/<x>.ts with a (lo, hi) range over disjoint outputs — that is the
 *    `js` kernel and the reference; an op can call it directly (single thread, no copies).
 * 2. To run it on the pool, add `{ name: '<x>.js', run(ctx, args, lo, hi) }` to src/backend/kernels.ts: args are
 *    numbers only (sizes, flags, byte addresses into the shared heap; read arrays as ctx.heap.f32 at addr / 4).
 *    From the op, get each operand's address with getHeap().place(x) (in place for heap views, else a staged copy),
 *    call runPooled, copy the output back. src/backend/gemm.ts is the worked example.
 * 3. A wasm twin: generate it with src/backend/wasm/instructions.ts (gemm-module.ts is the worked example),
 *    instantiate it per thread in ThreadContext, register '<x>.wasm', and property-test it against the js kernel.
 */
export { gemm } from './gemm.js';
export { geluWasm, geluBackwardWasm, useWasmFor } from './wasm/gelu.js';
export { depthwiseGatherWasm, type DepthwiseGather } from './wasm/depthwise-gather.js';
export type { GemmProblem } from '../kernels/gemm.js';
export { type BackendName, getBackend, setBackend, getThreads, setThreads, threadsReady, getHeap, getPool } from './runtime.js';
export { wasmFeatures } from './wasm/features.js';
import { getPool } from './runtime.js';
import type { RunOptions } from './parallel/pool.js';
export type { RunOptions } from './parallel/pool.js';

/** Run pooled kernel `name` over [0, total) (see RunOptions: align, threads, chunks). */
export function runPooled(name: string, args: ArrayLike<number>, total: number, opts: RunOptions = {}): void {
  getPool().run(name, args, total, opts);
}
