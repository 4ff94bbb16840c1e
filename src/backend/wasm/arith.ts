/**
 * Drivers of the wasm element-wise arithmetic (pooled in elementwise-pooled.ts over modules/elementwise-module.ts):
 * broadcast add/sub/mul/div, a broadcast factor's gradient (mulSumTo) and addN. Each returns false, doing nothing,
 * when it does not apply (see elementwise-run.ts); the caller (dispatch/elementwise.ts) then runs the js kernel.
 */
import type { TypedArray } from '../../tensor/dtype.js';
import type { Shape } from '../../tensor/shape.js';
import { type ArithOp, type CollapsedBroadcast, collapseBroadcast, nextRowOffset } from '../../kernels/broadcast-arith.js';
import { COLDOTS_BLOCK } from './modules/elementwise-module.js';
import { getHeap } from '../runtime.js';
import { operandAddress, runChunked } from './elementwise-run.js';
import { onHeap, wasmThread } from '../where.js';
import { MAX_ARGS } from '../parallel/pool.js';

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

