/**
 * The plain-TypeScript (js) kernels on the worker pool. A js kernel called over its whole range on the main thread
 * asks here first; when the pool has more than one thread and the work is large enough, its operands are staged
 * into the shared heap (unless they already live there), the pool runs the same kernel on disjoint output ranges
 * (src/backend/js-kernels.ts), and the output is copied back. Otherwise the caller runs its loop itself.
 *
 *   runElementwiseJs(kernel, out, inputs)   out[i] = f(inputs…[i]); chunks of elementChunk elements
 *   runDepthwiseJs(pass, out, a, b, bias, g) a depth-wise conv pass (stride 1) over (n, c) planes, or channels for
 *                                           the weight gradient; chunks of ~depthwiseChunk multiply-adds
 *   runAdaptiveAvgPoolJs(pass, out, in, g)  adaptive average pooling, forward or backward, over planes
 *   runSoftmaxJs(out, in, gy, g, log)       softmax / log-softmax, forward or backward, over lanes
 *   runPool2dJs(pass, out, in, argmax, g)   max / average pooling, forward or backward, over planes
 *
 * Results are bit-identical to the single-thread loop for any thread count: every output element is computed
 * by the same code from the same inputs whichever chunk it falls in (element-wise: one element; depth-wise: one
 * plane, or one channel's taps summed over every (n, i, j) in order).
 */
import type { FloatArray, TypedArray } from '../../tensor/dtype.js';
import type { ConvGeom } from '../../kernels/conv2d-common.js';
import type { AdaptiveGeom, PoolGeom } from '../../kernels/pool2d.js';
import { PAD_PASS, POOL2D_PASS, REDUCE_KIND } from './js-kernels.js';
import type { ReducePlan } from '../../kernels/reduce.js';
import { rowsOf } from '../../kernels/strided.js';
import { type GroupNormGeom, groupNormParamGrads } from '../../kernels/group-norm.js';
import type { LaneGeom } from '../../kernels/softmax.js';
import type { ResampleGeom } from '../../kernels/upsample2d.js';
import { getHeap, getPool, getThreads } from '../runtime.js';
import { dispatches } from './thread-role.js';
import { MAX_ARGS } from './pool.js';

/**
 * Chunk sizes; work smaller than two chunks stays on the calling thread. Tests shrink them to split small
 * problems into many chunks.
 *   elementChunk     elements per chunk of element-wise work (~0.3 ms of exact GELU)
 *   depthwiseChunk   multiply-adds per chunk of depth-wise work (~0.5 ms)
 */
export const jsPoolChunks = { elementChunk: 1 << 14, depthwiseChunk: 1 << 19 };

/** Depth-wise passes by their pooled-kernel arg code. */
export const DEPTHWISE_PASS = { forward: 0, input: 1, weight: 2 } as const;
export type DepthwisePass = keyof typeof DEPTHWISE_PASS;

/** Pool threads available to a js kernel called here, or 1 (worker thread, one thread, no compiled worker). */
export function poolThreads(): number {
  return dispatches() && getThreads() > 1 ? getPool().size : 1;
}

/**
 * Threads and chunks for `units` work units of `work` elements in all (a chunk is at least jsPoolChunks.elementChunk
 * elements and at least one unit), or null when the caller should run the loop itself: one thread, a worker thread,
 * or under two chunks of work.
 */
export function poolPlan(units: number, work: number): { threads: number; chunks: number } | null {
  const chunks = Math.min(units, Math.floor(work / jsPoolChunks.elementChunk));
  const threads = Math.min(poolThreads(), chunks);
  return threads < 2 ? null : { threads, chunks };
}

/** Same element type as `out` (so the pooled views are one type), or null. */
function sameType(out: FloatArray, arrays: readonly (TypedArray | null)[]): boolean {
  const Arr = out instanceof Float64Array ? Float64Array : Float32Array;
  return arrays.every((a) => a === null || a instanceof Arr);
}

/** Address for `out` in the heap (staged uninitialised unless it is a heap view) and how to copy it back. */
export function placeOut(out: FloatArray): { addr: number; copyBack: () => void } {
  const heap = getHeap();
  if (heap.contains(out)) return { addr: out.byteOffset, copyBack: () => {} };
  const size = out.BYTES_PER_ELEMENT, addr = heap.stage(size * out.length);
  const copyBack = (): void => {
    const view = size === 8 ? heap.f64 : heap.f32;
    out.set(view.subarray(addr / size, addr / size + out.length));
  };
  return { addr, copyBack };
}

/**
 * Run pooled element-wise kernel `kernel` (args [bytesPerElement, out, ...inputs, ...scalars]) over out's n elements, when
 * worth it. Returns false, having done nothing, when the caller should run its own loop.
 */
export function runElementwiseJs(kernel: string, out: FloatArray, inputs: readonly FloatArray[], scalars: readonly number[] = []): boolean {
  const n = out.length, chunk = jsPoolChunks.elementChunk;
  if (n < 2 * chunk || !sameType(out, inputs) || inputs.some((a) => a.length < n)) return false;
  const threads = poolThreads();
  if (threads < 2) return false;
  getHeap().resetStaging();
  const addrs = inputs.map((x) => getHeap().place(x));
  const dst = placeOut(out);
  const chunks = Math.ceil(n / chunk);
  getPool().run(kernel, [out.BYTES_PER_ELEMENT, dst.addr, ...addrs, ...scalars], n, { threads: Math.min(threads, chunks), chunks });
  dst.copyBack();
  return true;
}

/**
 * Run a stride-1 depth-wise conv pass on the pool, when worth it ('depthwise.js', args in js-kernels.ts):
 *   forward  out = y  [N, C, oH, oW], a = x,  b = w, bias   planes of N·C
 *   input    out = gx [N, C, H, W],   a = gy, b = w          planes of N·C
 *   weight   out = gw [C, 1, kH, kW], a = gy, b = x          channels of C
 * Returns false, having done nothing, when the caller should run its own loop.
 */
export function runDepthwiseJs(
  pass: DepthwisePass, out: FloatArray, a: TypedArray, b: TypedArray, bias: TypedArray | null, g: ConvGeom,
): boolean {
  if (g.sH !== 1 || g.sW !== 1 || !sameType(out, [a, b, bias])) return false;
  const C = g.Cout, T = g.kH * g.kW;
  const total = pass === 'weight' ? C : g.N * C;
  const macs = g.N * C * g.oH * g.oW * T;
  const chunks = Math.min(total, Math.floor(macs / jsPoolChunks.depthwiseChunk));
  if (chunks < 2) return false;
  const threads = poolThreads();
  if (threads < 2) return false;
  getHeap().resetStaging();
  const [aAddr, bAddr] = [getHeap().place(a as FloatArray), getHeap().place(b as FloatArray)];
  const biasAddr = bias ? getHeap().place(bias as FloatArray) : 0;
  const dst = placeOut(out);
  const args = [out.BYTES_PER_ELEMENT, DEPTHWISE_PASS[pass], dst.addr, aAddr, bAddr, biasAddr,
    g.N, C, g.H, g.W, g.kH, g.kW, g.oH, g.oW, g.pH, g.pW, g.dH, g.dW];
  getPool().run('depthwise.js', args, total, { threads: Math.min(threads, chunks), chunks });
  dst.copyBack();
  return true;
}

/**
 * target[i] += g[i] on the pool (the engine's gradient accumulation), when both live in the heap and it is worth
 * it; one addition per element, so the same bits as the loop. Returns false, having done nothing, otherwise.
 */
export function addIntoPooled(target: FloatArray, g: FloatArray): boolean {
  return getHeap().containsAll([target, g]) && runElementwiseJs('add.js', target, [target, g]);
}

/**
 * gb[c] = Σ_{n,i} gy[n,c,i] (channel-bias.ts channelSum, its documented order) with channels split over the pool,
 * when gy lives in the heap and the sum is big enough. Returns false, having done nothing, otherwise.
 */
export function channelSumPooled(gb: FloatArray, gy: FloatArray, N: number, C: number, plane: number): boolean {
  const total = N * C * plane;
  if (C < 2 || total < 4 * jsPoolChunks.elementChunk || !getHeap().contains(gy) || !sameType(gb, [gy])) return false;
  const threads = Math.min(poolThreads(), C);
  if (threads < 2) return false;
  getHeap().resetStaging();
  const dst = placeOut(gb);
  getPool().run('channelSum.js', [gb.BYTES_PER_ELEMENT, dst.addr, gy.byteOffset, N, C, plane], C, { threads, chunks: Math.min(C, 4 * threads) });
  dst.copyBack();
  return true;
}

/**
 * Image n's col2im over the pool by input channels [ci0, ci1) (each adds into its own plane of gx: the bits of the
 * loop), when gx and gcol are in the heap and there are threads and channels enough; false, having done nothing, when
 * the caller should run col2im itself.
 */
export function col2imPooled(gx: FloatArray, gcol: FloatArray, g: ConvGeom, n: number, ci0: number, ci1: number, ciBase: number): boolean {
  const threads = Math.min(poolThreads(), ci1 - ci0);
  const heap = getHeap();
  if (threads < 2 || !heap.contains(gx) || !heap.contains(gcol) || !sameType(gx, [gcol])) return false;
  const args = [gx.BYTES_PER_ELEMENT, gx.byteOffset, gcol.byteOffset, n, g.N, g.Cin, g.H, g.W, g.kH, g.kW,
    g.oH, g.oW, g.sH, g.sW, g.pH, g.pW, g.dH, g.dW, ciBase, ci0];
  getPool().run('col2im.js', args, ci1 - ci0, { threads, chunks: Math.min(ci1 - ci0, 4 * threads) });
  return true;
}

/**
 * Adaptive average pooling over the pool by planes ('adaptiveAvgPool.js'): forward y from x, or backward gx from gy
 * (src/kernels/pool2d.ts: each plane written by the loop alone, so the bits of the loop). Returns false, having done
 * nothing, when the caller should run the loop: one thread, mixed types, or under two chunks of the big side.
 */
export function runAdaptiveAvgPoolJs(pass: 'forward' | 'backward', out: FloatArray, input: FloatArray, g: AdaptiveGeom): boolean {
  const plan = poolPlan(g.P, g.P * g.H * g.W);
  if (!plan || !sameType(out, [input])) return false;
  getHeap().resetStaging();
  const inAddr = getHeap().place(input), dst = placeOut(out);
  getPool().run('adaptiveAvgPool.js', [out.BYTES_PER_ELEMENT, pass === 'forward' ? 0 : 1, dst.addr, inAddr, g.P, g.H, g.W, g.oH, g.oW],
    g.P, plan);
  dst.copyBack();
  return true;
}

/**
 * A constant pad over the pool by output rows, or a reflect / replicate / circular gather (or its scatter-add) by
 * planes ('pad.js'; kernels/pad.ts, each unit written by the loop alone: the loop's bits), when the input is a heap
 * view. False, having done nothing, otherwise.
 */
export function runPadConstantJs(y: FloatArray, x: FloatArray, xShape: readonly number[], yShape: readonly number[], before: readonly number[],
  value: number): boolean {
  const r = yShape.length, rows = rowsOf(yShape);
  const plan = poolPlan(rows, y.length);
  if (!plan || 6 + 3 * r > MAX_ARGS || !sameType(y, [x]) || !getHeap().contains(x)) return false;
  getHeap().resetStaging();
  const dst = placeOut(y);
  getPool().run('pad.js', [y.BYTES_PER_ELEMENT, PAD_PASS.constant, dst.addr, x.byteOffset, value, r, ...xShape, ...yShape, ...before], rows, plan);
  dst.copyBack();
  return true;
}

export function runPadPlanesJs(pass: 'gather' | 'scatterAdd', out: FloatArray, input: FloatArray, idx: Int32Array, inPlane: number, planes: number): boolean {
  const plan = poolPlan(planes, planes * idx.length);
  if (!plan || !sameType(out, [input]) || !getHeap().contains(input)) return false;
  const heap = getHeap();
  heap.resetStaging();
  const dst = placeOut(out), idxAt = heap.placeInts(idx);
  getPool().run('pad.js', [out.BYTES_PER_ELEMENT, PAD_PASS[pass], dst.addr, input.byteOffset, idxAt, idx.length, inPlane], planes, plan);
  dst.copyBack();
  return true;
}

/**
 * LayerNorm over the pool ('layerNorm.js'; kernels/layer-norm.ts, each row or column by the loop alone, so the loop's
 * bits): 'forward' y from x by rows; 'backward' gx by rows, then gw / gb by columns (rows summed in order). When the
 * big arrays (x, y or gy, gx) are heap views; false, having done nothing, otherwise.
 */
export function runLayerNormJs(pass: 'forward' | 'backward', out: FloatArray | null, gw: FloatArray | null, gb: FloatArray | null,
  gy: FloatArray | null, x: FloatArray, mean: Float64Array, invstd: Float64Array, w: FloatArray | null, b: FloatArray | null, M: number): boolean {
  const R = mean.length, heap = getHeap(), rowPlan = poolPlan(R, R * M);
  const big = [x, out, gy].filter((a): a is FloatArray => a !== null);
  if (!rowPlan || !sameType(x, [out, gy, gw, gb, w, b]) || !heap.containsAll(big)) return false;
  heap.resetStaging();
  const meanAt = heap.place(mean), invstdAt = heap.place(invstd), wAt = w ? heap.place(w) : 0, bAt = b ? heap.place(b) : 0;
  const args = [x.BYTES_PER_ELEMENT, 0, out ? out.byteOffset : 0, 0, gy ? gy.byteOffset : 0, x.byteOffset, meanAt, invstdAt, wAt, bAt, R, M];
  if (pass === 'forward') {
    getPool().run('layerNorm.js', args, R, rowPlan);
    return true;
  }
  args[1] = 1;
  if (out) getPool().run('layerNorm.js', args, R, rowPlan);
  if (gw || gb) {
    // one chunk of columns per thread: every chunk reads each row's piece, so more chunks would read more cache lines
    const dw = gw ? placeOut(gw) : null, db = gb ? placeOut(gb) : null, threads = Math.min(rowPlan.threads, M);
    const pargs = [args[0], 2, dw ? dw.addr : 0, db ? db.addr : 0, ...args.slice(4)];
    getPool().run('layerNorm.js', pargs, M, { threads, chunks: threads });
    dw?.copyBack();
    db?.copyBack();
  }
  return true;
}

/**
 * GroupNorm's backward over the pool ('groupNorm.js'): the row sums by rows (n, c), then gx by groups (n, g), each
 * unit by the loop alone (the loop's bits); gw, gb from the row sums on this thread, in the loop's order. When gy and x
 * (and gx) are heap views; false, having done nothing, otherwise.
 */
export function runGroupNormBackwardJs(gx: FloatArray | null, gw: FloatArray | null, gb: FloatArray | null, gy: FloatArray, x: FloatArray,
  mean: Float64Array, invstd: Float64Array, w: FloatArray | null, g: GroupNormGeom): boolean {
  const rows = g.N * g.C, size = rows * g.S, plan = poolPlan(rows, size), groupPlan = poolPlan(g.N * g.G, size);
  const heap = getHeap();
  if (!plan || !sameType(gy, [x, gx, w]) || !heap.containsAll(gx ? [gy, x, gx] : [gy, x])) return false;
  heap.resetStaging();
  const meanAt = heap.place(mean), invstdAt = heap.place(invstd), wAt = w ? heap.place(w) : 0;
  const s1At = heap.stage(8 * rows), s2At = heap.stage(8 * rows);
  const args = [gy.BYTES_PER_ELEMENT, 0, gy.byteOffset, x.byteOffset, gx ? gx.byteOffset : 0, meanAt, invstdAt, wAt, s1At, s2At, g.N, g.C, g.G, g.S];
  getPool().run('groupNorm.js', args, rows, plan);
  if (gx) {
    args[1] = 1;
    getPool().run('groupNorm.js', args, g.N * g.G, groupPlan ?? { threads: 1 }); // few groups: this thread
  }
  const sums = (at: number): Float64Array => heap.f64.slice(at / 8, at / 8 + rows);
  groupNormParamGrads(gw, gb, sums(s1At), sums(s2At), invstd, g);
  return true;
}

/**
 * A reduction over the pool by output rows ('reduce.js'; kernels/reduce.ts, each output row reduced by the loop
 * alone in its order, so the loop's bits): a sum (divided by `divisor`) or max / min with their source offsets, when
 * x is already a heap view (its copy would cost what the threads save). False, having done nothing, otherwise.
 */
export function runReduceJs(kind: keyof typeof REDUCE_KIND, y: FloatArray, src: Int32Array | null, x: FloatArray, plan: ReducePlan, divisor = 1): boolean {
  const k = plan.rowSizes.length, pool = poolPlan(plan.rows, plan.rows * plan.J * plan.count);
  if (!pool || 12 + 2 * k > MAX_ARGS || !sameType(y, [x]) || !getHeap().contains(x)) return false;
  const heap = getHeap();
  heap.resetStaging();
  const dst = placeOut(y), redAt = heap.placeInts(plan.red);
  const bits = src && new Float32Array(src.buffer, src.byteOffset, src.length), srcOut = bits ? placeOut(bits) : null;
  getPool().run('reduce.js', [y.BYTES_PER_ELEMENT, REDUCE_KIND[kind], dst.addr, x.byteOffset, srcOut ? srcOut.addr : 0, redAt, plan.red.length,
    plan.J, plan.L, plan.rows, divisor, k, ...plan.rowSizes, ...plan.rowStrides], plan.rows, pool);
  dst.copyBack();
  srcOut?.copyBack();
  return true;
}

/**
 * A strided gather (out = x viewed at offset/strides over shape) or scatter (the view of out = x) over the pool by
 * rows ('strided.js'; kernels/strided.ts, each row written by the loop alone, so the same copies), when both arrays
 * are already heap views (staging a copy in and out would cost what the threads save). False, having done nothing,
 * when the caller should run the loop.
 */
export function runStridedJs(intoView: boolean, dst: FloatArray, src: FloatArray, offset: number, strides: readonly number[], shape: readonly number[]): boolean {
  const n = shape.length, rows = rowsOf(shape);
  const plan = poolPlan(rows, rows * (n === 0 ? 1 : shape[n - 1]));
  if (!plan || 6 + 2 * n > MAX_ARGS || !sameType(dst, [src]) || !getHeap().containsAll([dst, src])) return false;
  const bytes = dst.BYTES_PER_ELEMENT;
  getPool().run('strided.js', [bytes, intoView ? 1 : 0, dst.byteOffset, src.byteOffset, offset, n, ...shape, ...strides], rows, plan);
  return true;
}

/**
 * The nearest resize over the pool by planes ('nearest.js'; kernels/upsample2d.ts, each plane written by the loop
 * alone, so the bits of the loop): forward out = y from input = x, backward out = gx from input = gy; the int32
 * source-index tables are staged in the heap. Returns false, having done nothing, when the caller should run the loop.
 */
export function runNearestJs(pass: 'forward' | 'backward', out: FloatArray, input: FloatArray, ih: Int32Array, iw: Int32Array, g: ResampleGeom): boolean {
  const plan = poolPlan(g.P, g.P * Math.max(g.H * g.W, g.oH * g.oW));
  if (!plan || !sameType(out, [input])) return false;
  const heap = getHeap();
  heap.resetStaging();
  const inAddr = heap.place(input), dst = placeOut(out);
  const ihAt = heap.placeInts(ih), iwAt = heap.placeInts(iw);
  getPool().run('nearest.js', [out.BYTES_PER_ELEMENT, pass === 'forward' ? 0 : 1, dst.addr, inAddr, ihAt, iwAt, g.P, g.H, g.W, g.oH, g.oW], g.P, plan);
  dst.copyBack();
  return true;
}

/**
 * Max or average pooling over the pool by planes ('pool2d.js'; kernels/pool2d.ts, each plane written by the loop
 * alone, so the bits of the loop). Forward: out = y from input = x (max pooling also fills argmax); backward: out =
 * gx from input = gy (max pooling reads argmax). The int32 argmax goes through the heap as its bits. Returns false,
 * having done nothing, when the caller should run the loop: one thread, mixed types, or under two chunks of work.
 */
export function runPool2dJs(
  pass: keyof typeof POOL2D_PASS, out: FloatArray, input: FloatArray, argmax: Int32Array | null, g: PoolGeom, countIncludePad = false,
): boolean {
  const plan = poolPlan(g.P, g.P * Math.max(g.H * g.W, g.oH * g.oW * g.kH * g.kW));
  if (!plan || !sameType(out, [input])) return false;
  const heap = getHeap();
  heap.resetStaging();
  const inAddr = heap.place(input), dst = placeOut(out);
  const bits = argmax && new Float32Array(argmax.buffer, argmax.byteOffset, argmax.length);
  const forward = pass === 'maxForward';
  const arg = bits ? (forward ? placeOut(bits) : { addr: heap.place(bits), copyBack: () => {} }) : { addr: 0, copyBack: () => {} };
  getPool().run('pool2d.js', [out.BYTES_PER_ELEMENT, POOL2D_PASS[pass], dst.addr, inAddr, arg.addr, countIncludePad ? 1 : 0,
    g.P, g.H, g.W, g.oH, g.oW, g.kH, g.kW, g.sH, g.sW, g.pH, g.pW, g.dH, g.dW], g.P, plan);
  dst.copyBack();
  arg.copyBack();
  return true;
}

/**
 * Softmax / log-softmax over the pool by lanes ('softmax.js'): forward y from x (gy null), or backward gx from gy
 * and y (kernels/softmax.ts: each lane's outputs from its own sums, so the bits of the loop). Returns false, having
 * done nothing, when the caller should run the loop: one thread, mixed types, or under two chunks of work.
 */
export function runSoftmaxJs(out: FloatArray, input: FloatArray, gy: FloatArray | null, g: LaneGeom, log: boolean): boolean {
  const lanes = g.outer * g.inner, plan = poolPlan(lanes, lanes * g.D);
  if (!plan || !sameType(out, [input, gy])) return false;
  const heap = getHeap();
  heap.resetStaging();
  const inAddr = heap.place(input), gyAddr = gy ? heap.place(gy) : 0, dst = placeOut(out);
  getPool().run('softmax.js', [out.BYTES_PER_ELEMENT, log ? 1 : 0, dst.addr, inAddr, gyAddr, g.outer, g.D, g.inner], lanes, plan);
  dst.copyBack();
  return true;
}

/** f(a) for a float32 array of `length` elements in the shared heap, given back to the heap when f returns. */
export function withHeapArray<T>(length: number, f: (a: Float32Array) => T): T {
  const heap = getHeap(), bytes = 4 * Math.max(length, 1), at = heap.allocRegion(bytes);
  if (at === 0) throw new Error(`withHeapArray: cannot place ${bytes} bytes: the 4 GiB WebAssembly memory is full`);
  try {
    return f(heap.f32.subarray(at / 4, at / 4 + length));
  } finally {
    heap.freeRegion(at, bytes);
  }
}
