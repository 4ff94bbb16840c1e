/**
 * Per-channel batch normalisation over NCHW data. Work unit: channels [lo, hi) (each writes only its own channel).
 * Statistics are accumulated in double in one pass over x, shifted by the channel's first value K (the shifted-data
 * variance): with d = x − K, μ = K + Σd/n and var = Σd²/n − (Σd/n)². K is a sample of the channel, so the
 * cancellation in that difference costs about (μ − K)²/var ulps of double (≈1e-15 relative for ordinary data).
 * The reductions keep four partial sums per quantity (i mod 4), which breaks the add-latency chain of a single sum;
 * the element-wise passes are unrolled by four as well (V8 tests the loop condition once per four elements).
 *
 *   x̂ = (x − μ_c)·σ_c⁻¹,  σ_c = √(var_c + eps),  y = γ_c·x̂ + β_c  (computed as y = x·α_c + (β_c − μ_c·α_c), α_c = γ_c/σ_c)
 *
 * Backward with n = N·H·W values per channel, Σ over n, h, w:
 *   training (μ, var are functions of x):  gx = (γ/σ)·(gy − Σgy/n − x̂·Σ(gy·x̂)/n)
 *   eval (μ, var are constants):           gx = (γ/σ)·gy
 *   gγ = Σ gy·x̂,   gβ = Σ gy
 */
import type { FloatArray } from '../tensor/dtype.js';

export interface BatchNormGeom {
  N: number;
  C: number;
  /** H·W */
  HW: number;
}

/** mean[c] and BIASED var[c] over (n, h, w) for channels [lo, hi). */
export function batchNorm2dStats(
  mean: Float64Array,
  variance: Float64Array,
  x: FloatArray,
  g: BatchNormGeom,
  lo = 0,
  hi = g.C,
): void {
  const { N, C, HW } = g;
  const n = N * HW;
  const HW4 = HW & ~3;
  for (let c = lo; c < hi; c++) {
    const K = x[c * HW];
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0, q0 = 0, q1 = 0, q2 = 0, q3 = 0;
    for (let b = 0; b < N; b++) {
      const off = (b * C + c) * HW;
      let i = off;
      for (const end = off + HW4; i < end; i += 4) {
        const d0 = x[i] - K, d1 = x[i + 1] - K, d2 = x[i + 2] - K, d3 = x[i + 3] - K;
        s0 += d0; s1 += d1; s2 += d2; s3 += d3;
        q0 += d0 * d0; q1 += d1 * d1; q2 += d2 * d2; q3 += d3 * d3;
      }
      for (const end = off + HW; i < end; i++) {
        const d = x[i] - K;
        s0 += d;
        q0 += d * d;
      }
    }
    const dm = (s0 + s1 + (s2 + s3)) / n;
    mean[c] = K + dm;
    variance[c] = Math.max(0, (q0 + q1 + (q2 + q3)) / n - dm * dm);
  }
}

/** y = (x − mean[c])·invstd[c]·w[c] + b[c] (w = 1, b = 0 when null). */
export function batchNorm2dForward(
  y: FloatArray,
  x: FloatArray,
  mean: Float64Array,
  invstd: Float64Array,
  w: FloatArray | null,
  b: FloatArray | null,
  g: BatchNormGeom,
  lo = 0,
  hi = g.C,
): void {
  const { N, C, HW } = g;
  const HW4 = HW & ~3;
  for (let c = lo; c < hi; c++) {
    const alpha = invstd[c] * (w ? w[c] : 1);
    const beta = (b ? b[c] : 0) - mean[c] * alpha;
    for (let n = 0; n < N; n++) {
      const off = (n * C + c) * HW;
      let i = off;
      for (const end = off + HW4; i < end; i += 4) {
        y[i] = x[i] * alpha + beta;
        y[i + 1] = x[i + 1] * alpha + beta;
        y[i + 2] = x[i + 2] * alpha + beta;
        y[i + 3] = x[i + 3] * alpha + beta;
      }
      for (const end = off + HW; i < end; i++) y[i] = x[i] * alpha + beta;
    }
  }
}

/**
 * Gradients for x (gx, if non-null), weight (gw) and bias (gb) given gy. `training` selects the batch-statistics
 * formula for gx (mean/invstd are the batch statistics) or the constant-statistics one (the running statistics).
 */
export function batchNorm2dBackward(
  gx: FloatArray | null,
  gw: FloatArray | null,
  gb: FloatArray | null,
  gy: FloatArray,
  x: FloatArray,
  mean: Float64Array,
  invstd: Float64Array,
  w: FloatArray | null,
  training: boolean,
  g: BatchNormGeom,
  lo = 0,
  hi = g.C,
): void {
  const { N, C, HW } = g;
  const n = N * HW;
  const HW4 = HW & ~3;
  for (let c = lo; c < hi; c++) {
    const m = mean[c];
    const is = invstd[c];
    // Σ gy and Σ gy·(x − μ), four partial sums each
    let g0 = 0, g1 = 0, g2 = 0, g3 = 0, d0 = 0, d1 = 0, d2 = 0, d3 = 0;
    for (let b = 0; b < N; b++) {
      const off = (b * C + c) * HW;
      let i = off;
      for (const end = off + HW4; i < end; i += 4) {
        const y0 = gy[i], y1 = gy[i + 1], y2 = gy[i + 2], y3 = gy[i + 3];
        g0 += y0; g1 += y1; g2 += y2; g3 += y3;
        d0 += y0 * (x[i] - m); d1 += y1 * (x[i + 1] - m); d2 += y2 * (x[i + 2] - m); d3 += y3 * (x[i + 3] - m);
      }
      for (const end = off + HW; i < end; i++) {
        g0 += gy[i];
        d0 += gy[i] * (x[i] - m);
      }
    }
    const sumGy = g0 + g1 + (g2 + g3);
    const dot = d0 + d1 + (d2 + d3);
    if (gw) gw[c] = dot * is;
    if (gb) gb[c] = sumGy;
    if (!gx) continue;
    const scale = is * (w ? w[c] : 1);
    if (training) {
      // gx = scale·(gy − Σgy/n − (x − μ)·σ⁻²·Σ(gy·(x − μ))/n)
      const meanGy = sumGy / n;
      const k = (dot * is * is) / n;
      for (let b = 0; b < N; b++) {
        const off = (b * C + c) * HW;
        let i = off;
        for (const end = off + HW4; i < end; i += 4) {
          gx[i] = (gy[i] - meanGy - (x[i] - m) * k) * scale;
          gx[i + 1] = (gy[i + 1] - meanGy - (x[i + 1] - m) * k) * scale;
          gx[i + 2] = (gy[i + 2] - meanGy - (x[i + 2] - m) * k) * scale;
          gx[i + 3] = (gy[i + 3] - meanGy - (x[i + 3] - m) * k) * scale;
        }
        for (const end = off + HW; i < end; i++) gx[i] = (gy[i] - meanGy - (x[i] - m) * k) * scale;
      }
    } else {
      for (let b = 0; b < N; b++) {
        const off = (b * C + c) * HW;
        for (let i = 0; i < HW; i++) gx[off + i] = gy[off + i] * scale;
      }
    }
  }
}

/** The weight of a conv a BatchNorm is folded into: [Cout, cinPerGroup, kH·kW = taps] in `groups` groups. */
export interface FoldGeom {
  Cout: number;
  cinPerGroup: number;
  taps: number;
  groups: number;
}

/**
 * A BatchNorm with per-channel affine map s·x + t folded into a conv (nn/fuse-batchnorm.ts has the formulas):
 *   'after'  W[o, …] = s[o]·w[o, …],        B[o] = s[o]·b[o] + t[o]
 *   'before' W[o, c, …] = w[o, c, …]·s[c],  B[o] = b[o] + Σ_{c, k} w[o, c, k]·t[c]   (c over o's group, in order)
 * in float64, each result rounded once to W's and B's dtype (b = 0 when null).
 */
export function batchNormFoldWeights(W: FloatArray, B: FloatArray, w: FloatArray, b: FloatArray | null,
  s: Float64Array, t: Float64Array, g: FoldGeom, side: 'after' | 'before'): void {
  const { Cout, cinPerGroup, taps } = g;
  const perOut = cinPerGroup * taps, outPerGroup = Cout / g.groups;
  for (let o = 0; o < Cout; o++) {
    const base = o * perOut;
    if (side === 'after') {
      for (let i = 0; i < perOut; i++) W[base + i] = w[base + i] * s[o];
      B[o] = (b ? b[o] : 0) * s[o] + t[o];
    } else {
      const c0 = Math.floor(o / outPerGroup) * cinPerGroup; // first input channel of o's group
      let shift = b ? b[o] : 0;
      for (let ci = 0; ci < cinPerGroup; ci++) {
        for (let k = 0; k < taps; k++) {
          const at = base + ci * taps + k;
          W[at] = w[at] * s[c0 + ci];
          shift += w[at] * t[c0 + ci];
        }
      }
      B[o] = shift;
    }
  }
}
