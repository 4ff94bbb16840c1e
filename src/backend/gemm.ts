/**
 * gemm(p): C (+)= op(A)·op(B) on the current backend and thread count, for any Float32Array/Float64Array
 * operands (formulas in src/tensor/kernels/gemm.ts). float64 always runs the js kernel (wasm is float32 only).
 *
 * Path taken:
 *   js, 1 part         gemmJs on the caller's arrays directly, no copy
 *   otherwise          operands not already in the shared heap are copied into its staging arena, the pool runs
 *                      'gemm.js' or 'gemm.wasm' over rows of C (or columns, when N > M: each thread then packs
 *                      only its own columns of B), and C is copied back
 * Small products run on fewer threads: a part must be worth more than a pool round trip (~15-40 µs).
 */
import { gemmJs, type GemmProblem } from '../tensor/kernels/gemm.js';
import { getBackend, getHeap, getPool, getThreads } from './runtime.js';

/** Minimum multiply-add work (flops) per thread before a product is split. */
const FLOPS_PER_PART = { js: 4e5, wasm: 4e6 } as const;

export function gemm(p: GemmProblem): void {
  const { M, N, K } = p;
  if (M === 0 || N === 0) return;
  if (K === 0) {
    if (!p.accumulate) for (let i = 0; i < M; i++) p.c.fill(0, p.cOffset + i * p.ldc, p.cOffset + i * p.ldc + N);
    return;
  }
  const f64 = p.c instanceof Float64Array;
  const kind = f64 ? 'js' : getBackend();
  const parts = Math.min(getThreads(), Math.max(1, Math.floor((2 * M * N * K) / FLOPS_PER_PART[kind])));
  if (kind === 'js' && parts === 1) {
    gemmJs(p);
    return;
  }
  const heap = getHeap();
  const size = f64 ? 8 : 4, as = f64 ? 'float64' : 'float32';
  heap.resetStaging();
  const place = (x: GemmProblem['a'], offset: number, extent: number): number =>
    heap.contains(x) ? x.byteOffset + offset * size : heap.stageCopy(x, offset, extent, as);
  const extentA = p.transA ? (K - 1) * p.lda + M : (M - 1) * p.lda + K;
  const extentB = p.transB ? (N - 1) * p.ldb + K : (K - 1) * p.ldb + N;
  const extentC = (M - 1) * p.ldc + N;
  const a = place(p.a, p.aOffset, extentA);
  const b = place(p.b, p.bOffset, extentB);
  const cInHeap = heap.contains(p.c);
  // C is read when accumulating, and its gaps (ldc > N) must survive the copy back
  const c = cInHeap || p.accumulate || p.ldc !== N ? place(p.c, p.cOffset, extentC) : heap.stage(extentC * size);
  const splitColumns = N > M;
  const args = [M, N, K, a, p.lda, +p.transA, b, p.ldb, +p.transB, c, p.ldc, +p.accumulate, +splitColumns, size];
  const align = splitColumns ? 8 : 4;
  getPool().run(kind === 'wasm' ? 'gemm.wasm' : 'gemm.js', args, splitColumns ? N : M, align, parts);
  if (!cInHeap) p.c.set((f64 ? heap.f64 : heap.f32).subarray(c / size, c / size + extentC), p.cOffset);
}
