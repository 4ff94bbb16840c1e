/**
 * The backend as the rest of the engine sees it: runtime settings and a few entry points for tests and benches.
 * Ops and autograd call kernels through src/backend/dispatch/ (the one place that picks WebAssembly SIMD, pooled
 * JS or the plain loop, per call), and import from here only the runtime settings.
 *
 *   gemm(p)                  C (+)= op(A)·op(B) for any float32/float64 arrays (src/kernels/gemm.ts has the index
 *                            formulas; dispatch/gemm.ts the paths); runs on the current backend and threads
 *   geluWasm(y, x), geluBackwardWasm(gx, gy, x)
 *                            float32 exact GELU on the wasm kernels and every thread; `useWasmFor(x)` says when
 *                            (where.ts: the one rule for when the wasm kernels may run, read by dispatch/ and wasm/)
 *   depthwiseGatherWasm(g)   float32 stride-1 depth-wise conv body (forward / input gradient), planes over the pool
 *   setBackend('js'|'wasm')  'wasm' (TypeScript-generated WebAssembly SIMD) is the default where SIMD validates
 *   setThreads(n)            threads sharing the work, main thread included; default the platform's CPU count
 *                            (1 when running from TypeScript sources, where workers would run a stale dist/)
 *   runPooled(name, args, total, { align, threads, chunks })
 *                            run a registered pooled kernel over [0, total) split across the threads
 *
 * Plugging in a kernel:
 * 1. Write the plain loop in src/kernels/<x>.ts with a (lo, hi) range over disjoint outputs — that is the
 *    `js` kernel and the reference. It imports only tensor/{dtype,shape,erf}.ts and other kernels.
 * 2. To run it on the pool, add `{ name: '<x>.js', run(ctx, args, lo, hi) }` to parallel/js-kernels.ts (or
 *    pooled-kernels.ts): args are numbers only (sizes, flags, byte addresses into the shared heap; read arrays as
 *    ctx.heap.f32 at addr / 4). Its driver gets each operand's address with getHeap().place(x) (in place for heap
 *    views, else a staged copy), runs it on the pool and copies the output back (parallel/js-pooled.ts).
 * 3. A wasm twin: generate it with wasm/emit/instructions.ts (modules/gemm-module.ts is the worked example),
 *    instantiate it per thread in parallel/thread-context.ts, register '<x>.wasm', and property-test it against
 *    the js kernel.
 * 4. Decide which one runs in src/backend/dispatch/<family>.ts, with the table of paths in its header (the
 *    backend / thread / heap rule comes from where.ts, not a check of your own), and call that from the op.
 */
export { gemm } from './dispatch/gemm.js';
export { geluWasm, geluBackwardWasm } from './wasm/gelu.js';
export { useWasmFor } from './where.js';
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
