/**
 * Depth-wise convolution (groups = Cin = Cout = C: each channel convolved with its own kH×kW kernel), any stride,
 * padding and dilation, strips (1×k, k×1) included:
 *   y[n,c,oh,ow] = b[c] + Σ_{kh,kw} x[n, c, oh·sH − pH + kh·dH, ow·sW − pW + kw·dW] · w[c,0,kh,kw]
 *
 * With stride 1 (every depth-wise conv of AMSUnet) all three passes are one gather over a plane with fixed tap
 * offsets (dy_t, dx_t), t = (kh, kw) in row-major order:
 *   forward   y[i, j]  = b + Σ_t w_t · x[i + dy_t, j + dx_t]      dy_t = kh·dH − pH,  dx_t = kw·dW − pW
 *   input     gx[i, j] =     Σ_t w_t · gy[i − dy_t, j − dx_t]     (the same taps read the other way round)
 *   weight    gw_t     = Σ_{n,i,j} gy[n, i, j] · x[n, i + dy_t, j + dx_t]
 * Terms outside the source plane are zero padding and skipped. Each output row splits into a left edge, an
 * interior where every tap's column is in range (no bounds checks) and a right edge; rows where a tap's source row
 * is padding drop that tap. The interior of a full 3x3 (dilated or not) is unrolled with the weights in locals;
 * the forward interior of a 1×k strip (dilation 1) slides a four-value window along the source row.
 *
 * Bit-identical to the reference kernels (conv2d.ts): each sum starts from the same value (bias or 0), runs in
 * float64 and adds the taps in (kh, kw) order — the weight gradient in (n, oh, ow) order — as the reference does.
 * Other strides take the row-accumulator kernels at the end of this file (same order, also bit-identical).
 */
import type { FloatArray } from '../tensor/dtype.js';
import { type Buf, type ConvGeom, tapRanges } from './conv2d-common.js';

export function isDepthwise(g: ConvGeom): boolean {
  return g.groups === g.Cin && g.Cin === g.Cout;
}

/** Tap tables of one geometry, built once per kernel call (never in the loops). */
interface Taps {
  T: number;
  dy: Int32Array;
  dx: Int32Array;
  /** the kernel is a full 3x3 (any dilation) */
  is3x3: boolean;
  /** a 1×k row whose taps read consecutive source columns (dx_t = dx_0 + t: forward, dilation 1) */
  isRowRun: boolean;
  /** a full 3x3 whose taps in each row read consecutive source columns (forward, dilation 1 along the row) */
  is3x3Run: boolean;
  /** j + dx_t is inside [0, srcW) for every tap when j ∈ [jA, jB) */
  minDx: number;
  maxDx: number;
}

/** Taps read forward (sign 1: source x, dst y) or backward (sign −1: source gy, dst gx). */
function taps(g: ConvGeom, sign: 1 | -1): Taps {
  const T = g.kH * g.kW;
  const dy = new Int32Array(T), dx = new Int32Array(T);
  let minDx = Infinity, maxDx = -Infinity;
  for (let kh = 0; kh < g.kH; kh++) {
    for (let kw = 0; kw < g.kW; kw++) {
      const t = kh * g.kW + kw;
      dy[t] = sign * (kh * g.dH - g.pH);
      dx[t] = sign * (kw * g.dW - g.pW);
      minDx = Math.min(minDx, dx[t]);
      maxDx = Math.max(maxDx, dx[t]);
    }
  }
  return { T, dy, dx, is3x3: g.kH === 3 && g.kW === 3, isRowRun: g.kH === 1 && sign * g.dW === 1,
    is3x3Run: g.kH === 3 && g.kW === 3 && sign * g.dW === 1, minDx, maxDx };
}

/** Per-thread scratch for one row's valid taps (grown on demand, reused across calls). */
let rowOff = new Int32Array(16);
let rowDx = new Int32Array(16);
let rowW = new Float64Array(16);
let rowOk = new Uint8Array(16);
let acc = new Float64Array(16);

function ensureTaps(T: number): void {
  if (rowOff.length >= T) return;
  rowOff = new Int32Array(T);
  rowDx = new Int32Array(T);
  rowW = new Float64Array(T);
  rowOk = new Uint8Array(T);
  acc = new Float64Array(T);
}

/**
 * dst[q][i, j] = init_c + Σ_t w[c·T + t]·src[q][i + dy_t, j + dx_t] for planes q ∈ [lo, hi) (c = q mod C),
 * src planes srcH×srcW, dst planes dstH×dstW. `bias` null means init 0. The shared body of forward and input grad.
 */
function gatherPlanes(
  dst: FloatArray, src: Buf, w: Buf, bias: Buf | null, C: number, tp: Taps,
  srcH: number, srcW: number, dstH: number, dstW: number, lo: number, hi: number,
): void {
  const { T, dy, dx } = tp;
  ensureTaps(T);
  const rowOff_ = rowOff, rowDx_ = rowDx, rowW_ = rowW; // locals: the loops below read them per tap
  const jA = Math.min(dstW, Math.max(0, -tp.minDx));
  const jB = Math.max(jA, Math.min(dstW, srcW - tp.maxDx));
  for (let q = lo; q < hi; q++) {
    const c = q % C;
    const init = bias ? bias[c] : 0;
    const sOff = q * srcH * srcW;
    const wOff = c * T;
    for (let i = 0; i < dstH; i++) {
      // this row's taps whose source row exists, in tap order; rowOff = flat source index of (i + dy, 0 + dx)
      let v = 0;
      for (let t = 0; t < T; t++) {
        const si = i + dy[t];
        if (si < 0 || si >= srcH) continue;
        rowOff_[v] = sOff + si * srcW + dx[t];
        rowDx_[v] = dx[t];
        rowW_[v] = w[wOff + t];
        v++;
      }
      const dRow = (q * dstH + i) * dstW;
      // left and right edges: check each tap's column
      for (let j = 0; j < jA; j++) dst[dRow + j] = edgeSum(init, src, j, srcW, v);
      for (let j = jB; j < dstW; j++) dst[dRow + j] = edgeSum(init, src, j, srcW, v);
      if (v === 9 && tp.is3x3Run) {
        run3x3Interior(dst, dRow, src, init, jA, jB);
      } else if (v === 9 && tp.is3x3) {
        const w0 = rowW_[0], w1 = rowW_[1], w2 = rowW_[2], w3 = rowW_[3], w4 = rowW_[4];
        const w5 = rowW_[5], w6 = rowW_[6], w7 = rowW_[7], w8 = rowW_[8];
        const o0 = rowOff_[0], o1 = rowOff_[1], o2 = rowOff_[2], o3 = rowOff_[3], o4 = rowOff_[4];
        const o5 = rowOff_[5], o6 = rowOff_[6], o7 = rowOff_[7], o8 = rowOff_[8];
        for (let j = jA; j < jB; j++) {
          dst[dRow + j] = init + w0 * src[o0 + j] + w1 * src[o1 + j] + w2 * src[o2 + j] + w3 * src[o3 + j] + w4 * src[o4 + j]
            + w5 * src[o5 + j] + w6 * src[o6 + j] + w7 * src[o7 + j] + w8 * src[o8 + j];
        }
      } else if (tp.isRowRun && v > 0) {
        rowRunInterior(dst, dRow, src, rowOff_[0], init, v, jA, jB);
      } else {
        // four outputs at a time, so each tap's weight and offset are loaded once per four multiply-adds
        let j = jA;
        for (; j + 4 <= jB; j += 4) {
          let s0 = init, s1 = init, s2 = init, s3 = init;
          for (let u = 0; u < v; u++) {
            const wv = rowW_[u], o = rowOff_[u] + j;
            s0 += wv * src[o];
            s1 += wv * src[o + 1];
            s2 += wv * src[o + 2];
            s3 += wv * src[o + 3];
          }
          dst[dRow + j] = s0;
          dst[dRow + j + 1] = s1;
          dst[dRow + j + 2] = s2;
          dst[dRow + j + 3] = s3;
        }
        for (; j < jB; j++) {
          let s = init;
          for (let u = 0; u < v; u++) s += rowW_[u] * src[rowOff_[u] + j];
          dst[dRow + j] = s;
        }
      }
    }
  }
}

/**
 * The interior [jA, jB) of one output row of a full 3x3 whose three taps per kernel row read consecutive source
 * columns (dilation 1 along the row; any dilation between rows): taps 3r, 3r + 1, 3r + 2 read src[o_3r + j + 0..2].
 * Four outputs at a time load six values per kernel row (instead of twelve) and add the nine products of each
 * output in tap order, kernel row by kernel row: the sums of the plain 3x3 loop, bit for bit.
 */
function run3x3Interior(dst: FloatArray, dRow: number, src: Buf, init: number, jA: number, jB: number): void {
  const w0 = rowW[0], w1 = rowW[1], w2 = rowW[2], w3 = rowW[3], w4 = rowW[4];
  const w5 = rowW[5], w6 = rowW[6], w7 = rowW[7], w8 = rowW[8];
  const o0 = rowOff[0], o3 = rowOff[3], o6 = rowOff[6];
  let j = jA;
  for (; j + 4 <= jB; j += 4) {
    let p = o0 + j;
    let a0 = src[p], a1 = src[p + 1], a2 = src[p + 2], a3 = src[p + 3], a4 = src[p + 4], a5 = src[p + 5];
    let s0 = init + w0 * a0 + w1 * a1 + w2 * a2;
    let s1 = init + w0 * a1 + w1 * a2 + w2 * a3;
    let s2 = init + w0 * a2 + w1 * a3 + w2 * a4;
    let s3 = init + w0 * a3 + w1 * a4 + w2 * a5;
    p = o3 + j;
    a0 = src[p]; a1 = src[p + 1]; a2 = src[p + 2]; a3 = src[p + 3]; a4 = src[p + 4]; a5 = src[p + 5];
    s0 = s0 + w3 * a0 + w4 * a1 + w5 * a2;
    s1 = s1 + w3 * a1 + w4 * a2 + w5 * a3;
    s2 = s2 + w3 * a2 + w4 * a3 + w5 * a4;
    s3 = s3 + w3 * a3 + w4 * a4 + w5 * a5;
    p = o6 + j;
    a0 = src[p]; a1 = src[p + 1]; a2 = src[p + 2]; a3 = src[p + 3]; a4 = src[p + 4]; a5 = src[p + 5];
    dst[dRow + j] = s0 + w6 * a0 + w7 * a1 + w8 * a2;
    dst[dRow + j + 1] = s1 + w6 * a1 + w7 * a2 + w8 * a3;
    dst[dRow + j + 2] = s2 + w6 * a2 + w7 * a3 + w8 * a4;
    dst[dRow + j + 3] = s3 + w6 * a3 + w7 * a4 + w8 * a5;
  }
  for (; j < jB; j++) {
    dst[dRow + j] = init + w0 * src[o0 + j] + w1 * src[o0 + j + 1] + w2 * src[o0 + j + 2] + w3 * src[o3 + j]
      + w4 * src[o3 + j + 1] + w5 * src[o3 + j + 2] + w6 * src[o6 + j] + w7 * src[o6 + j + 1] + w8 * src[o6 + j + 2];
  }
}

/**
 * The interior [jA, jB) of one output row of a 1×k strip with dilation 1: dst[dRow + j] = init + Σ_u w_u·src[o + j + u]
 * (w_u = rowW[u], u < v). Four neighbouring outputs read the same source values one column apart, so a window of
 * four values slides along the row: each tap loads one new value and its weight for four multiply-adds (the
 * general loop loads four values). Same products, added in the same (tap) order.
 */
function rowRunInterior(dst: FloatArray, dRow: number, src: Buf, o: number, init: number, v: number, jA: number, jB: number): void {
  const w = rowW;
  let j = jA;
  for (; j + 4 <= jB; j += 4) {
    let s0 = init, s1 = init, s2 = init, s3 = init;
    const at = o + j;
    let a0 = src[at], a1 = src[at + 1], a2 = src[at + 2];
    for (let u = 0; u < v; u++) {
      const a3 = src[at + u + 3], wu = w[u];
      s0 += wu * a0;
      s1 += wu * a1;
      s2 += wu * a2;
      s3 += wu * a3;
      a0 = a1;
      a1 = a2;
      a2 = a3;
    }
    dst[dRow + j] = s0;
    dst[dRow + j + 1] = s1;
    dst[dRow + j + 2] = s2;
    dst[dRow + j + 3] = s3;
  }
  for (; j < jB; j++) {
    let s = init;
    for (let u = 0; u < v; u++) s += w[u] * src[o + j + u];
    dst[dRow + j] = s;
  }
}

/** init + Σ over the first v row taps of rowW·src at column j + rowDx, skipping columns outside [0, srcW). */
function edgeSum(init: number, src: Buf, j: number, srcW: number, v: number): number {
  let s = init;
  for (let u = 0; u < v; u++) {
    const sj = j + rowDx[u];
    if (sj >= 0 && sj < srcW) s += rowW[u] * src[rowOff[u] + j];
  }
  return s;
}

/*
 * The three entry points below run the loops on [lo, hi). Splitting a whole call over the worker pool, or handing it
 * to the WebAssembly twins, is decided in src/backend/dispatch/conv2d.ts (each plane or channel is still computed
 * by the loops here on the pool, so the result is the same bits).
 */

/** Forward. Work unit: (n, c) planes [lo, hi) of N·C. */
export function conv2dForwardDepthwise(y: FloatArray, x: Buf, w: Buf, b: Buf | null, g: ConvGeom, lo = 0, hi = g.N * g.Cout): void {
  if (g.sH !== 1 || g.sW !== 1) return conv2dForwardDepthwiseStrided(y, x, w, b, g, lo, hi);
  depthwiseForwardPlanes(y, x, w, b, g, lo, hi);
}

/** Input gradient. Work unit: (n, c) planes [lo, hi) of N·C. Overwrites gx. */
export function conv2dBackwardInputDepthwise(gx: FloatArray, gy: Buf, w: Buf, g: ConvGeom, lo = 0, hi = g.N * g.Cin): void {
  if (g.sH !== 1 || g.sW !== 1) return conv2dBackwardInputDepthwiseStrided(gx, gy, w, g, lo, hi);
  depthwiseInputGradPlanes(gx, gy, w, g, lo, hi);
}

/**
 * Weight gradient gw[c, t] = Σ_{n, oh, ow} gy[n,c,oh,ow]·x[n, c, oh + dy_t, ow + dx_t] (stride 1; other strides:
 * the reference). Work unit: channels [lo, hi) of C. Each tap's sum runs in (n, oh, ow) order as the reference's.
 */
export function conv2dBackwardWeightDepthwise(gw: FloatArray, gy: Buf, x: Buf, g: ConvGeom, lo = 0, hi = g.Cout): void {
  depthwiseWeightGradChannels(gw, gy, x, g, lo, hi);
}

/** Forward loop, stride 1: planes [lo, hi). */
export function depthwiseForwardPlanes(y: FloatArray, x: Buf, w: Buf, b: Buf | null, g: ConvGeom, lo: number, hi: number): void {
  gatherPlanes(y, x, w, b, g.Cout, taps(g, 1), g.H, g.W, g.oH, g.oW, lo, hi);
}

/** Input-gradient loop, stride 1: planes [lo, hi). */
export function depthwiseInputGradPlanes(gx: FloatArray, gy: Buf, w: Buf, g: ConvGeom, lo: number, hi: number): void {
  gatherPlanes(gx, gy, w, null, g.Cin, taps(g, -1), g.oH, g.oW, g.H, g.W, lo, hi);
}

/** Weight-gradient loop, stride 1: channels [lo, hi). */
export function depthwiseWeightGradChannels(gw: FloatArray, gy: Buf, x: Buf, g: ConvGeom, lo: number, hi: number): void {
  const { N, Cout: C, H, W, oH, oW } = g;
  const tp = taps(g, 1);
  const { T, dy, dx } = tp;
  ensureTaps(T);
  const jA = Math.min(oW, Math.max(0, -tp.minDx));
  const jB = Math.max(jA, Math.min(oW, W - tp.maxDx));
  // columns of tap t whose source column exists: [cLo[t], cHi[t]) ⊇ [jA, jB)
  const cols = tapRanges(W, oW, 1, g.pW, g.dW, g.kW);
  const cLo = new Int32Array(T), cHi = new Int32Array(T);
  for (let t = 0; t < T; t++) {
    cLo[t] = cols.lo[t % g.kW];
    cHi[t] = cols.hi[t % g.kW];
  }
  for (let c = lo; c < hi; c++) {
    acc.fill(0, 0, T);
    for (let n = 0; n < N; n++) {
      const xOff = (n * C + c) * H * W;
      const gyOff = (n * C + c) * oH * oW;
      for (let i = 0; i < oH; i++) {
        const gRow = gyOff + i * oW;
        let all = true; // every tap's source row exists
        for (let t = 0; t < T; t++) {
          const si = i + dy[t];
          rowOk[t] = si >= 0 && si < H ? 1 : 0;
          rowOff[t] = xOff + si * W + dx[t];
          if (!rowOk[t]) all = false;
        }
        // per tap: its left edge, then the interior, then its right edge, so each sum still runs in ow order
        for (let t = 0; t < T; t++) if (rowOk[t]) accumulateRange(gy, gRow, x, t, cLo[t], Math.min(jA, cHi[t]));
        if (all && tp.is3x3) accumulate3x3(gy, gRow, x, jA, jB);
        else {
          // four taps per pass over the row: each gy value is loaded once per four multiply-adds
          let t = 0;
          for (; t + 4 <= T; t += 4) {
            if (!(rowOk[t] && rowOk[t + 1] && rowOk[t + 2] && rowOk[t + 3])) {
              accumulateTaps(gy, gRow, x, jA, jB, t, t + 4);
              continue;
            }
            const o0 = rowOff[t], o1 = rowOff[t + 1], o2 = rowOff[t + 2], o3 = rowOff[t + 3];
            let s0 = acc[t], s1 = acc[t + 1], s2 = acc[t + 2], s3 = acc[t + 3];
            for (let j = jA; j < jB; j++) {
              const v = gy[gRow + j];
              s0 += v * x[o0 + j];
              s1 += v * x[o1 + j];
              s2 += v * x[o2 + j];
              s3 += v * x[o3 + j];
            }
            acc[t] = s0; acc[t + 1] = s1; acc[t + 2] = s2; acc[t + 3] = s3;
          }
          accumulateTaps(gy, gRow, x, jA, jB, t, T);
        }
        for (let t = 0; t < T; t++) if (rowOk[t]) accumulateRange(gy, gRow, x, t, Math.max(jB, cLo[t]), cHi[t]);
      }
    }
    for (let t = 0; t < T; t++) gw[c * T + t] = acc[t];
  }
}

/** acc[t] += Σ_{j ∈ [j0, j1)} gy[gRow + j]·x[rowOff[t] + j], in j order. */
function accumulateRange(gy: Buf, gRow: number, x: Buf, t: number, j0: number, j1: number): void {
  const o = rowOff[t];
  let s = acc[t];
  for (let j = j0; j < j1; j++) s += gy[gRow + j] * x[o + j];
  acc[t] = s;
}

/** acc[t] += Σ_{j ∈ [jA, jB)} gy[gRow + j]·x[rowOff[t] + j] for the taps t ∈ [t0, t1) whose source row exists. */
function accumulateTaps(gy: Buf, gRow: number, x: Buf, jA: number, jB: number, t0: number, t1: number): void {
  for (let t = t0; t < t1; t++) {
    if (!rowOk[t]) continue;
    const o = rowOff[t];
    let s = acc[t];
    for (let j = jA; j < jB; j++) s += gy[gRow + j] * x[o + j];
    acc[t] = s;
  }
}

/** The nine sums of a full 3x3 over the interior columns [jA, jB) of one row, in locals. */
function accumulate3x3(gy: Buf, gRow: number, x: Buf, jA: number, jB: number): void {
  let a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3], a4 = acc[4], a5 = acc[5], a6 = acc[6], a7 = acc[7], a8 = acc[8];
  const o0 = rowOff[0], o1 = rowOff[1], o2 = rowOff[2], o3 = rowOff[3], o4 = rowOff[4];
  const o5 = rowOff[5], o6 = rowOff[6], o7 = rowOff[7], o8 = rowOff[8];
  for (let j = jA; j < jB; j++) {
    const v = gy[gRow + j];
    a0 += v * x[o0 + j];
    a1 += v * x[o1 + j];
    a2 += v * x[o2 + j];
    a3 += v * x[o3 + j];
    a4 += v * x[o4 + j];
    a5 += v * x[o5 + j];
    a6 += v * x[o6 + j];
    a7 += v * x[o7 + j];
    a8 += v * x[o8 + j];
  }
  acc[0] = a0; acc[1] = a1; acc[2] = a2; acc[3] = a3; acc[4] = a4; acc[5] = a5; acc[6] = a6; acc[7] = a7; acc[8] = a8;
}

/* ---------- any stride: row-accumulator kernels ---------- */

/** Forward, any stride. Work unit: (n, c) planes [lo, hi) of N·C; row oh of a plane reads input rows oh·sH − pH + kh·dH. */
export function conv2dForwardDepthwiseStrided(y: FloatArray, x: Buf, w: Buf, b: Buf | null, g: ConvGeom, lo = 0, hi = g.N * g.Cout): void {
  const { Cout: C, H, W, kH, kW, oH, oW, sH, sW, pH, pW, dH, dW } = g;
  const cols = tapRanges(W, oW, sW, pW, dW, kW);
  const row = new Float64Array(oW);
  for (let p = lo; p < hi; p++) {
    const c = p % C;
    const xOff = p * H * W; // x plane (n, c) has the same index as y plane (n, c)
    const wOff = c * kH * kW;
    const bv = b ? b[c] : 0;
    for (let oh = 0; oh < oH; oh++) {
      row.fill(bv);
      for (let kh = 0; kh < kH; kh++) {
        const ih = oh * sH - pH + kh * dH;
        if (ih < 0 || ih >= H) continue; // a zero-padding row
        const xRow = xOff + ih * W - pW;
        for (let kw = 0; kw < kW; kw++) {
          const wv = w[wOff + kh * kW + kw];
          const xk = xRow + kw * dW;
          const owHi = cols.hi[kw];
          for (let ow = cols.lo[kw]; ow < owHi; ow++) row[ow] += wv * x[xk + ow * sW];
        }
      }
      y.set(row, (p * oH + oh) * oW);
    }
  }
}

/**
 * Input gradient, any stride, gathered row by row: input row ih receives from output row oh = (ih + pH − kh·dH) / sH
 * for every kh where that is a whole number in [0, oH). Work unit: (n, c) planes [lo, hi) of N·C. Overwrites gx.
 */
export function conv2dBackwardInputDepthwiseStrided(gx: FloatArray, gy: Buf, w: Buf, g: ConvGeom, lo = 0, hi = g.N * g.Cin): void {
  const { Cin: C, H, W, kH, kW, oH, oW, sH, sW, pH, pW, dH, dW } = g;
  const cols = tapRanges(W, oW, sW, pW, dW, kW);
  const row = new Float64Array(W);
  for (let q = lo; q < hi; q++) {
    const c = q % C;
    const gyOff = q * oH * oW;
    const wOff = c * kH * kW;
    for (let ih = 0; ih < H; ih++) {
      row.fill(0);
      for (let kh = 0; kh < kH; kh++) {
        const t = ih + pH - kh * dH;
        if (t < 0 || t % sH !== 0 || t >= oH * sH) continue; // no output row read input row ih through tap kh
        const gyRow = gyOff + (t / sH) * oW;
        for (let kw = 0; kw < kW; kw++) {
          const wv = w[wOff + kh * kW + kw];
          const base = kw * dW - pW;
          const owHi = cols.hi[kw];
          for (let ow = cols.lo[kw]; ow < owHi; ow++) row[ow * sW + base] += wv * gy[gyRow + ow];
        }
      }
      gx.set(row, (q * H + ih) * W);
    }
  }
}
