/**
 * Drivers of the wasm BatchNorm kernels (statistics, apply, backward; pooled in elementwise-pooled.ts), the twins of
 * src/kernels/batchnorm2d.ts with the same double sums, channels over the pool. Each returns false, doing nothing,
 * when it does not apply (see elementwise-run.ts); the caller (dispatch/batchnorm2d.ts) then runs the loop.
 */
import type { TypedArray } from '../../tensor/dtype.js';
import type { BatchNormGeom, FoldGeom } from '../../kernels/batchnorm2d.js';
import { getHeap, getPool } from '../runtime.js';
import { runChunked } from './elementwise-run.js';
import { onHeap, useWasmFor, wasmThread } from '../where.js';

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
 * batchNormFoldWeights on this thread's wasm kernels (no pool: a model's weights are small; what matters is that
 * the first call runs compiled code), with nothing staged (staging would move the heap's regions from call to
 * call): w is copied into W when W is in the heap (the folded weight a forward makes) and scaled there in place, or
 * else (a weight too small for the heap) into this thread's scratch and back. 'after': each output row by bnApply
 * with α = s[o] and β = −0, which is f32(w·s) exactly (x + (−0) = x for every x, −0 included); its Cout biases
 * here, as the loop computes them. 'before': bnFoldBefore once per group, s, t and the sums in the scratch too.
 */
export function batchNormFoldWasm(W: TypedArray, B: TypedArray, w: TypedArray, b: TypedArray | null, s: Float64Array, t: Float64Array,
  g: FoldGeom, side: 'after' | 'before'): boolean {
  const { Cout, cinPerGroup, taps, groups } = g, perOut = cinPerGroup * taps, n = Cout * perOut;
  const C = cinPerGroup * groups;
  if (n === 0 || !useWasmFor(W as Float32Array) || !(w instanceof Float32Array)) return false;
  const heap = getHeap(), inPlace = onHeap([W]);
  const scratchBytes = (side === 'before' ? 8 * (2 * C + Cout) : 0) + (inPlace ? 0 : 4 * n);
  if (scratchBytes > heap.slotBytes) return false;
  const scratch = heap.scratch(0), at = inPlace ? W.byteOffset : scratch, f32 = heap.f32;
  f32.set(w.subarray(0, n), at / 4);
  const kernels = getPool().main.wasmElementwise;
  if (side === 'after') {
    for (let o = 0; o < Cout; o++) {
      kernels.bnApply(at + 4 * o * perOut, at + 4 * o * perOut, perOut, s[o], -0);
      B[o] = (b ? b[o] : 0) * s[o] + t[o];
    }
  } else {
    const outPerGroup = Cout / groups, f64 = heap.f64;
    const sAt = align8(scratch + (inPlace ? 0 : 4 * n)), tAt = sAt + 8 * C, shiftAt = tAt + 8 * C;
    f64.set(s.subarray(0, C), sAt / 8);
    f64.set(t.subarray(0, C), tAt / 8);
    for (let o = 0; o < Cout; o++) f64[shiftAt / 8 + o] = b ? b[o] : 0;
    for (let grp = 0; grp < groups; grp++) {
      const o0 = grp * outPerGroup, c0 = grp * cinPerGroup, rows = at + 4 * o0 * perOut;
      kernels.bnFoldBefore(rows, rows, outPerGroup, cinPerGroup, taps, sAt + 8 * c0, tAt + 8 * c0, shiftAt + 8 * o0);
    }
    for (let o = 0; o < Cout; o++) B[o] = f64[shiftAt / 8 + o];
  }
  if (!inPlace) W.set(f32.subarray(at / 4, at / 4 + n));
  return true;
}

const align8 = (x: number): number => Math.ceil(x / 8) * 8;
