/**
 * Per-channel batch normalisation over NCHW data. Work unit: channels [lo, hi) (each writes only its own channel).
 * Statistics are accumulated in double, two passes (mean, then Σ(x − mean)²), as PyTorch's CPU kernel does.
 *
 *   x̂ = (x − μ_c)·σ_c⁻¹,  σ_c = √(var_c + eps),  y = γ_c·x̂ + β_c  (computed as y = x·α_c + (β_c − μ_c·α_c), α_c = γ_c/σ_c)
 *
 * Backward with n = N·H·W values per channel, Σ over n, h, w:
 *   training (μ, var are functions of x):  gx = (γ/σ)·(gy − Σgy/n − x̂·Σ(gy·x̂)/n)
 *   eval (μ, var are constants):           gx = (γ/σ)·gy
 *   gγ = Σ gy·x̂,   gβ = Σ gy
 */
import type { FloatArray } from '../dtype.js';

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
  for (let c = lo; c < hi; c++) {
    let s = 0;
    for (let b = 0; b < N; b++) {
      const off = (b * C + c) * HW;
      for (let i = 0; i < HW; i++) s += x[off + i];
    }
    const m = s / n;
    let ss = 0;
    for (let b = 0; b < N; b++) {
      const off = (b * C + c) * HW;
      for (let i = 0; i < HW; i++) {
        const d = x[off + i] - m;
        ss += d * d;
      }
    }
    mean[c] = m;
    variance[c] = ss / n;
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
  for (let c = lo; c < hi; c++) {
    const alpha = invstd[c] * (w ? w[c] : 1);
    const beta = (b ? b[c] : 0) - mean[c] * alpha;
    for (let n = 0; n < N; n++) {
      const off = (n * C + c) * HW;
      for (let i = 0; i < HW; i++) y[off + i] = x[off + i] * alpha + beta;
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
  for (let c = lo; c < hi; c++) {
    const m = mean[c];
    const is = invstd[c];
    let sumGy = 0;
    let dot = 0; // Σ gy·(x − μ)
    for (let b = 0; b < N; b++) {
      const off = (b * C + c) * HW;
      for (let i = 0; i < HW; i++) {
        sumGy += gy[off + i];
        dot += gy[off + i] * (x[off + i] - m);
      }
    }
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
        for (let i = 0; i < HW; i++) gx[off + i] = (gy[off + i] - meanGy - (x[off + i] - m) * k) * scale;
      }
    } else {
      for (let b = 0; b < N; b++) {
        const off = (b * C + c) * HW;
        for (let i = 0; i < HW; i++) gx[off + i] = gy[off + i] * scale;
      }
    }
  }
}
