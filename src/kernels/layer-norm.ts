/**
 * Layer normalisation (Ba et al. 2016) over the last dims: x seen as [R, M] (M = the product of the normalised
 * dims), each row normalised with its own mean and BIASED variance, then an element-wise affine map over the
 * normalised dims, as F.layer_norm:
 *   x̂_j = (x_j − μ)·σ⁻¹,  σ⁻¹ = 1/√(var + eps),  y_j = γ_j·x̂_j + β_j
 * Backward per row, with gx̂_j = γ_j·gy_j (the derivation of BatchNorm's, with means over the row):
 *   gx_j = (γ_j·gy_j − A/M − (x_j − μ)·σ⁻²·B/M)·σ⁻¹,   A = Σ_j γ_j·gy_j,   B = Σ_j γ_j·gy_j·(x_j − μ)
 *   gγ_j = Σ_rows gy_j·x̂_j,   gβ_j = Σ_rows gy_j.
 * Sums in double; the row statistics come from BatchNorm's stats kernel on [1, R, M] (ops/layer-norm.ts).
 */
import type { FloatArray } from '../tensor/dtype.js';

/** y = (x − mean[r])·invstd[r]·w[j] + b[j] over rows [lo, hi) of M (w = 1, b = 0 when null). */
export function layerNormForward(y: FloatArray, x: FloatArray, mean: Float64Array, invstd: Float64Array, w: FloatArray | null,
  b: FloatArray | null, M: number, lo = 0, hi = mean.length): void {
  for (let r = lo; r < hi; r++) {
    const m = mean[r], is = invstd[r], off = r * M;
    for (let j = 0; j < M; j++) y[off + j] = (x[off + j] - m) * is * (w ? w[j] : 1) + (b ? b[j] : 0);
  }
}

/** gx of rows [lo, hi) from gy (the row sums A, B made per row, j in order). */
export function layerNormInputGrad(gx: FloatArray, gy: FloatArray, x: FloatArray, mean: Float64Array, invstd: Float64Array,
  w: FloatArray | null, M: number, lo = 0, hi = mean.length): void {
  for (let r = lo; r < hi; r++) {
    const m = mean[r], is = invstd[r], off = r * M;
    let A = 0, B = 0;
    for (let j = 0; j < M; j++) {
      const g = gy[off + j], wj = w ? w[j] : 1;
      A += wj * g;
      B += wj * g * (x[off + j] - m);
    }
    const meanA = A / M, k = (B * is * is) / M;
    for (let j = 0; j < M; j++) gx[off + j] = ((w ? w[j] : 1) * gy[off + j] - meanA - (x[off + j] - m) * k) * is;
  }
}

/**
 * gw[j] = Σ_rows gy·x̂ and gb[j] = Σ_rows gy (either may be null) for columns [lo, hi), rows in order, in double. The
 * rows are the outer loop (each row's piece of [lo, hi) is contiguous): a column at a time would stream both arrays
 * once per column.
 */
export function layerNormParamGrads(gw: FloatArray | null, gb: FloatArray | null, gy: FloatArray, x: FloatArray, mean: Float64Array,
  invstd: Float64Array, M: number, lo = 0, hi = M): void {
  const R = mean.length, n = hi - lo, dw = new Float64Array(n), db = new Float64Array(n);
  for (let r = 0; r < R; r++) {
    const m = mean[r], is = invstd[r], off = r * M + lo;
    for (let j = 0; j < n; j++) {
      const g = gy[off + j];
      dw[j] += g * (x[off + j] - m) * is;
      db[j] += g;
    }
  }
  for (let j = 0; j < n; j++) {
    if (gw) gw[lo + j] = dw[j];
    if (gb) gb[lo + j] = db[j];
  }
}

/** gx (if non-null), gw, gb (if non-null) from gy. */
export function layerNormBackward(gx: FloatArray | null, gw: FloatArray | null, gb: FloatArray | null, gy: FloatArray, x: FloatArray,
  mean: Float64Array, invstd: Float64Array, w: FloatArray | null, M: number): void {
  if (gx) layerNormInputGrad(gx, gy, x, mean, invstd, w, M);
  if (gw || gb) layerNormParamGrads(gw, gb, gy, x, mean, invstd, M);
}
