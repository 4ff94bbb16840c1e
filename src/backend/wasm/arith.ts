/**
 * Drivers of the wasm element-wise kernels (wasm/elementwise-module.ts, pooled in elementwise-kernels.ts) for the
 * ops: broadcast add/sub/mul/div and a gate's gradient, addN, BatchNorm (statistics, apply, backward), the bilinear
 * resize (forward, backward). Each returns false, and the caller runs its js
 * kernel, unless the work is float32 on the wasm backend, on the main thread, and the output and every full-size
 * input are already views of the shared heap (tensor buffers of ≥ 16384 elements are, see tensor-buffers.ts):
 * these kernels stream memory, so staging copies in and out cost what the kernel saves (measured, 2M-element
 * float32 add, 2 threads, medians of 31: js 2.3-2.9 ms, wasm on heap views 0.5-0.7 ms, wasm with both inputs copied
 * in and the result copied out 2.5-2.7 ms). Small broadcast operands (gates, scalars) are copied in.
 * Results are bit-identical to the js kernels and for any thread count (tests/backend/elementwise-wasm.test.ts).
 */
import type { TypedArray } from '../../tensor/dtype.js';
import type { Shape } from '../../tensor/shape.js';
import { type ArithOp, type CollapsedBroadcast, collapseBroadcast, nextRowOffset } from '../../kernels/broadcast-arith.js';
import { COLDOTS_BLOCK } from './modules/elementwise-module.js';
import type { BatchNormGeom } from '../../kernels/batchnorm2d.js';
import type { LinearAxis, ResampleGeom } from '../../kernels/upsample2d.js';
import { getBackend, getHeap, getPool, getThreads } from '../runtime.js';
import { MAX_ARGS } from '../parallel/pool.js';
import { dispatches } from '../parallel/thread-role.js';

/** Elements per pool chunk (~30-60 us of streaming on one core); also the least work that takes a second thread. */
let chunkElements = 1 << 16;

/** For tests: a smaller chunk so that short arrays are split across threads (returns the previous value). */
export function setElementwiseChunk(n: number): number {
  const old = chunkElements;
  chunkElements = n;
  return old;
}

function wasmThread(): boolean {
  return getBackend() === 'wasm' && dispatches();
}

/** All arrays float32 views of the shared heap. */
function onHeap(arrays: readonly TypedArray[]): boolean {
  return arrays.every((x) => x instanceof Float32Array) && getHeap().containsAll(arrays);
}

/**
 * The heap address of operand x of an op writing `outLength` elements: x itself when it is a heap view; a staged
 * copy when x is a small float32 array (a per-channel gate, a scalar: at most a quarter of the output, so the copy
 * is cheap next to the op); else 0 (the op runs the js kernel).
 */
function operandAddress(x: TypedArray, outLength: number): number {
  if (!(x instanceof Float32Array)) return 0;
  const heap = getHeap();
  if (heap.contains(x)) return x.byteOffset;
  return 4 * x.length <= outLength ? heap.stageCopy(x, 0, x.length, 'float32') : 0;
}

function runChunked(kernel: string, args: number[], total: number, unit: number): void {
  const chunks = Math.max(1, Math.ceil((total * unit) / chunkElements));
  const threads = Math.min(getThreads(), chunks);
  getPool().run(kernel, args, total, { align: unit === 1 ? 16 : 1, threads, chunks: Math.min(chunks, total) });
}

/** out = a (op) b over outShape with broadcast strides sa, sb (as arithBroadcast). */
export function arithWasm(out: TypedArray, a: TypedArray, sa: readonly number[], b: TypedArray, sb: readonly number[], outShape: Shape, op: ArithOp): boolean {
  if (out.length === 0 || !wasmThread() || !onHeap([out])) return false;
  const c = collapseBroadcast(outShape, sa, sb);
  const nd = c.shape.length;
  if (nd === 0 || 5 + 3 * nd > MAX_ARGS || (c.sa[nd - 1] === 0 && c.sb[nd - 1] === 0)) return false;
  getHeap().resetStaging();
  const pa = operandAddress(a, out.length), pb = operandAddress(b, out.length);
  if (pa === 0 || pb === 0) return false;
  runChunked('arith.wasm', [op, pa, pb, out.byteOffset, nd, ...c.shape, ...c.sa, ...c.sb], out.length, 1);
  return true;
}

/** out = ((x0 + x1) + x2) + … (k ≥ 2 arrays of out's length), as addNKernel. */
export function addNWasm(out: TypedArray, xs: readonly TypedArray[]): boolean {
  if (xs.length < 2 || 3 + xs.length > MAX_ARGS || out.length === 0 || !wasmThread() || !onHeap([out, ...xs])) return false;
  runChunked('addN.wasm', [xs.length, out.byteOffset, ...xs.map((x) => x.byteOffset)], out.length, 1);
  return true;
}

/**
 * y = x·α_c + β_c in double, rounded to float32: batchNorm2dForward with α_c = invstd_c·w_c, β_c = b_c − mean_c·α_c
 * (w = 1, b = 0 when null), the same expressions as the js kernel.
 */
export function batchNormApplyWasm(y: TypedArray, x: TypedArray, mean: Float64Array, invstd: Float64Array, w: TypedArray | null, b: TypedArray | null, g: BatchNormGeom): boolean {
  const P = g.N * g.C;
  if (P === 0 || g.HW === 0 || !wasmThread() || !onHeap([y, x])) return false;
  const heap = getHeap();
  heap.resetStaging();
  const coef = heap.stage(16 * g.C), f64 = heap.f64, at = coef / 8;
  for (let c = 0; c < g.C; c++) {
    const alpha = invstd[c] * (w ? w[c] : 1);
    f64[at + c] = alpha;
    f64[at + g.C + c] = (b ? b[c] : 0) - mean[c] * alpha;
  }
  runChunked('bn.apply.wasm', [x.byteOffset, y.byteOffset, coef, g.C, g.HW], P, g.HW);
  return true;
}

/** mean[c] and biased variance[c] of x's channels, as batchNorm2dStats (the same double sums, channels over the pool). */
export function batchNormStatsWasm(mean: Float64Array, variance: Float64Array, x: TypedArray, g: BatchNormGeom): boolean {
  const { N, C, HW } = g, n = N * HW;
  if (n === 0 || C === 0 || !wasmThread() || !onHeap([x])) return false;
  const heap = getHeap();
  heap.resetStaging();
  const sums = heap.stage(16 * C);
  runChunked('bn.stats.wasm', [x.byteOffset, N, C, HW, sums], C, n);
  const f64 = heap.f64, at = sums / 8;
  for (let c = 0; c < C; c++) {
    const dm = f64[at + 2 * c] / n;
    mean[c] = x[c * HW] + dm;
    variance[c] = Math.max(0, f64[at + 2 * c + 1] / n - dm * dm);
  }
  return true;
}

/** gx (if non-null), gw, gb from gy, as batchNorm2dBackward (channels over the pool; gw, gb written here). */
export function batchNormBackwardWasm(gx: TypedArray | null, gw: TypedArray | null, gb: TypedArray | null, gy: TypedArray, x: TypedArray,
  mean: Float64Array, invstd: Float64Array, w: TypedArray | null, training: boolean, g: BatchNormGeom): boolean {
  const { N, C, HW } = g, n = N * HW;
  if (n === 0 || C === 0 || !wasmThread() || !onHeap(gx ? [gx, gy, x] : [gy, x])) return false;
  const heap = getHeap();
  heap.resetStaging();
  const coef = heap.stage(24 * C), sums = heap.stage(16 * C), f64 = heap.f64;
  f64.set(mean, coef / 8);
  f64.set(invstd, coef / 8 + C);
  for (let c = 0; c < C; c++) f64[coef / 8 + 2 * C + c] = w ? w[c] : 1;
  runChunked('bn.backward.wasm', [gy.byteOffset, x.byteOffset, gx ? gx.byteOffset : 0, coef, N, C, HW, training ? 1 : 0, sums], C, gx ? 3 * n : n);
  for (let c = 0; c < C; c++) {
    if (gw) gw[c] = f64[sums / 8 + 2 * c + 1] * invstd[c];
    if (gb) gb[c] = f64[sums / 8 + 2 * c];
  }
  return true;
}

/**
 * The gradient of a broadcast factor, as mulSumTo: out[k] = Σ g·x over the output elements reading factor element k.
 * A factor constant along the innermost collapsed dim (a per-channel gate [N, C, 1, 1]): the row dot products run
 * over the pool (the same four double partial sums per row) and the rows are added into their factor element here,
 * in row order, as mulSumTo does. A [N, 1, H, W] gate: columnSums.
 */
export function mulSumToWasm(out: TypedArray, so: readonly number[], g: TypedArray, x: TypedArray, gShape: Shape): boolean {
  const c = collapseBroadcast(gShape, so, so);
  const nd = c.shape.length;
  if (nd === 0 || !wasmThread() || !onHeap([g, x])) return false;
  if (c.sa[nd - 1] !== 0) return columnSums(out, c, g, x);
  const inner = c.shape[nd - 1], rows = g.length / inner;
  const heap = getHeap();
  heap.resetStaging();
  const sums = heap.stage(16 * rows);
  runChunked('rowDots.wasm', [g.byteOffset, x.byteOffset, inner, sums], rows, inner);
  const f64 = heap.f64, acc = new Float64Array(out.length), idx = new Array<number>(nd).fill(0);
  let po = 0;
  for (let r = 0; r < rows; r++) {
    acc[po] += f64[sums / 8 + 2 * r + 1];
    po = nextRowOffset(idx, c, c.sa, po);
  }
  out.set(acc);
  return true;
}

/**
 * mulSumTo for a factor that varies along the inner dim and is broadcast along the one before it only (a
 * [N, 1, H, W] gate: collapsed [K, inner] with strides [0, 1], or [M, K, inner] with [inner, 0, 1]): each factor
 * element sums its K products in order, as mulSumTo's per-element accumulation (colDots).
 */
function columnSums(out: TypedArray, c: CollapsedBroadcast, g: TypedArray, x: TypedArray): boolean {
  const nd = c.shape.length, inner = c.shape[nd - 1];
  const shapeOk = (nd === 2 && c.sa[0] === 0 && c.sa[1] === 1) || (nd === 3 && c.sa[0] === inner && c.sa[1] === 0 && c.sa[2] === 1);
  const heap = getHeap();
  if (!shapeOk || !(out instanceof Float32Array) || 8 * COLDOTS_BLOCK > heap.slotBytes) return false;
  const M = nd === 3 ? c.shape[0] : 1, K = c.shape[nd - 2];
  heap.resetStaging();
  const inHeap = heap.contains(out), dst = inHeap ? out.byteOffset : heap.stage(4 * out.length);
  runChunked('colDots.wasm', [g.byteOffset, x.byteOffset, dst, M, K, inner], M * inner, K);
  if (!inHeap) out.set(heap.f32.subarray(dst / 4, dst / 4 + out.length));
  return true;
}

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
