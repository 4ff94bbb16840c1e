/**
 * gemm(p): C (+)= op(A)·op(B) on the current backend and thread count, for any Float32Array/Float64Array
 * operands (formulas in src/kernels/gemm.ts). float64 always runs the js kernel (wasm is float32 only).
 *
 * Path taken:
 *   js, 1 thread     gemmJs on the caller's arrays directly, no copy
 *   otherwise        operands not already in the shared heap are copied into its staging arena, C is copied back.
 *     js, N threads    'gemm.js' over rows of C (columns when N > M), two chunks per thread (each chunk packs
 *                      its own panels in JS arrays, so more chunks would repeat more packing)
 *     wasm, 1 thread   the blocked driver inline, packing each block into the main thread's scratch
 *     wasm, N threads  first 'gemm.wasm.pack' packs the operand every chunk needs (op(B) when splitting rows of C,
 *                      op(A) when splitting columns, i.e. when N > M) once, in parallel; then 'gemm.wasm' runs
 *                      chunks of rows (or columns) of C, each packing only its own part of the other operand,
 *                      about four chunks a thread (chunkSize)
 *     wasm, N threads, a small C and a long K (splitK: a 1x1 conv's weight gradient, K = H·W)
 *                      'gemm.wasm.slices' computes each KC-deep slice's product into its own M×N buffer, slices over
 *                      the pool, then this thread adds them into C in slice order with the wasm addN
 *                      (((C) + s0) + s1) + …: the blocked driver adds the same tile sums into C in the same order, so
 *                      the bits are its bits. Splitting C's rows or columns instead gave each thread a sliver of a
 *                      tiny C and had every chunk stream all of the other (long) operand again (M 32, N 128,
 *                      K 65,536: 2 threads slower than one).
 * Small products use fewer threads: a thread must get more work than a pool round trip costs (~10-40 µs).
 */
import { gemmJs, type GemmProblem } from '../../kernels/gemm.js';
import { KC, MC, packedFullBytes } from '../wasm/gemm-driver.js';
import { getHeap, getPool, getThreads } from '../runtime.js';
import { useWasmFor } from '../where.js';
import { dispatches } from '../parallel/thread-role.js';

/** Minimum work (flops) per thread before a product is split. */
const FLOPS_PER_THREAD = { js: 4e5, wasm: 4e6 } as const;
/**
 * Chunk sizes for the dynamic split of wasm work: about CHUNKS_PER_THREAD chunks a thread, within [32, MC] rows
 * (at most one A block) or [128, 512] columns. Several chunks a thread let a thread that started late or was
 * preempted (a worker wakes 10-50 µs after the main thread; other processes share the cores) take fewer of them
 * instead of leaving the others waiting: 512³ in chunks of MC = 128 rows was 4 chunks for 2 threads. Smaller chunks
 * repeat no packing (each packs only its own rows of op(A), or columns of op(B), the other operand is packed once
 * for all); a row chunk reads all of packed op(B) once more.
 */
const CHUNKS_PER_THREAD = 4;

function chunkSize(total: number, threads: number, lo: number, hi: number, align: number): number {
  const want = Math.ceil(Math.ceil(total / (CHUNKS_PER_THREAD * threads)) / align) * align;
  return Math.min(hi, Math.max(lo, want));
}

/** Split K (see above) for a C of at most SPLIT_K_C elements, K of at least SPLIT_K_MIN_SLICES slices, the slice
 * products within SPLIT_K_BYTES; C contiguous (ldc = N) and no row bias (the weight gradients have none). */
const SPLIT_K_C = 1 << 16, SPLIT_K_MIN_SLICES = 8, SPLIT_K_BYTES = 32 << 20;
/** The in-order sum of the slice products goes over the pool from this many additions (below, the main thread). */
const SPLIT_K_POOLED_SUM = 1 << 16;

/**
 * The split-K product of the wasm problem `args` (its C at byte address c) on `threads` threads, when it applies and
 * the heap can hold the slice products (a heap near its 4 GiB goes without); false, having done nothing, otherwise.
 */
function splitK(args: number[], M: number, N: number, K: number, c: number, ldc: number, accumulate: boolean, bias: number, threads: number): boolean {
  const slices = Math.ceil(K / KC), sliceBytes = 4 * M * N;
  if (M * N > SPLIT_K_C || slices < SPLIT_K_MIN_SLICES || slices * sliceBytes > SPLIT_K_BYTES || ldc !== N || bias !== 0) return false;
  const heap = getHeap(), pool = getPool(), at = heap.tryStage(slices * sliceBytes);
  if (at === 0) return false;
  pool.run('gemm.wasm.slices', [...args, at], slices, { threads, chunks: slices });
  // C = ((C_old +) s0 + s1) + … element by element in this order, over the pool by elements: a list of addresses
  const k = slices + (accumulate ? 1 : 0), listAt = heap.stage(4 * k), list = new Int32Array(heap.memory.buffer, listAt, k);
  if (accumulate) list[0] = c;
  for (let s = 0; s < slices; s++) list[k - slices + s] = at + s * sliceBytes;
  pool.run('addList.wasm', [k, c, listAt], M * N, { threads: M * N * k >= SPLIT_K_POOLED_SUM ? threads : 1, align: 4, chunks: 4 * threads });
  return true;
}

export function gemm(p: GemmProblem): void {
  if (!dispatches()) {
    throw new Error('gemm: not inside a pool worker; inside a pooled kernel use gemmJs or gemmWasmBlock with the ThreadContext');
  }
  const { M, N, K } = p;
  if (M === 0 || N === 0) return;
  if (K === 0) {
    gemmJs(p); // C = 0 (or unchanged), plus the bias
    return;
  }
  const f64 = p.c instanceof Float64Array;
  const kind = useWasmFor(p.c) ? 'wasm' : 'js'; // dispatches() holds here (checked above)
  const threads = Math.min(getThreads(), Math.max(1, Math.floor((2 * M * N * K) / FLOPS_PER_THREAD[kind])));
  if (kind === 'js' && threads === 1) {
    gemmJs(p);
    return;
  }
  const heap = getHeap(), pool = getPool();
  const size = f64 ? 8 : 4;
  heap.resetStaging();
  const extentA = p.transA ? (K - 1) * p.lda + M : (M - 1) * p.lda + K;
  const extentB = p.transB ? (N - 1) * p.ldb + K : (K - 1) * p.ldb + N;
  const extentC = (M - 1) * p.ldc + N;
  const a = heap.tryPlace(p.a, p.aOffset, extentA);
  const b = heap.tryPlace(p.b, p.bOffset, extentB);
  const cInHeap = heap.contains(p.c);
  // C is read when accumulating, and its gaps (ldc > N) must survive the copy back
  const c = cInHeap || p.accumulate || p.ldc !== N ? heap.tryPlace(p.c, p.cOffset, extentC) : heap.tryStage(extentC * size);
  const bias = p.rowBias ? heap.tryPlace(p.rowBias, p.rowBiasOffset ?? 0, M) : 0; // 0: none
  const splitColumns = N > M;
  if (a === 0 || b === 0 || c === 0 || (p.rowBias && bias === 0)) {
    // operands too big to copy into the 4 GiB heap (plain arrays): the js GEMM on this thread, the same contract
    heap.resetStaging();
    gemmJs(p);
    return;
  }
  const args = [M, N, K, a, p.lda, +p.transA, b, p.ldb, +p.transB, c, p.ldc, +p.accumulate, +splitColumns, size, 0, 0, bias];
  const total = splitColumns ? N : M;
  if (kind === 'js') {
    pool.run('gemm.js', args, total, { align: splitColumns ? 8 : 4, threads, chunks: 2 * threads });
  } else if (threads === 1) {
    pool.run('gemm.wasm', args, total, { threads: 1 });
  } else if (!splitK(args, M, N, K, c, p.ldc, p.accumulate, bias, threads)) {
    const { MR, NR } = pool.main.gemmShape;
    const packed = heap.tryStage(splitColumns ? packedFullBytes(M, K, MR) : packedFullBytes(N, K, NR));
    if (packed === 0) {
      // no room for the shared packed operand: one thread, packing block by block in its own scratch (same bits)
      pool.run('gemm.wasm', args, total, { threads: 1 });
    } else {
      args[splitColumns ? 14 : 15] = packed;
      pool.run('gemm.wasm.pack', args, splitColumns ? M : N, { align: splitColumns ? MR : NR, threads });
      const align = splitColumns ? NR : MR;
      const chunk = splitColumns ? chunkSize(total, threads, 128, 512, NR) : chunkSize(total, threads, 32, MC, MR);
      pool.run('gemm.wasm', args, total, { align, threads, chunks: Math.ceil(total / chunk) });
    }
  }
  if (!cInHeap) p.c.set((f64 ? heap.f64 : heap.f32).subarray(c / size, c / size + extentC), p.cOffset);
}
