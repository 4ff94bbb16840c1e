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

/** y = (x − mean[r])·invstd[r]·w[j] + b[j] over rows of M (w = 1, b = 0 when null). */
export function layerNormForward(y: FloatArray, x: FloatArray, mean: Float64Array, invstd: Float64Array, w: FloatArray | null,
  b: FloatArray | null, M: number): void {
  const R = mean.length;
  for (let r = 0; r < R; r++) {
    const m = mean[r], is = invstd[r], off = r * M;
    for (let j = 0; j < M; j++) y[off + j] = (x[off + j] - m) * is * (w ? w[j] : 1) + (b ? b[j] : 0);
  }
}

/** gx (if non-null), gw, gb (if non-null, accumulated from 0 here) from gy. */
export function layerNormBackward(gx: FloatArray | null, gw: FloatArray | null, gb: FloatArray | null, gy: FloatArray, x: FloatArray,
  mean: Float64Array, invstd: Float64Array, w: FloatArray | null, M: number): void {
  const R = mean.length;
  const dw = gw ? new Float64Array(M) : null, db = gb ? new Float64Array(M) : null;
  for (let r = 0; r < R; r++) {
    const m = mean[r], is = invstd[r], off = r * M;
    let A = 0, B = 0;
    for (let j = 0; j < M; j++) {
      const g = gy[off + j], d = x[off + j] - m, wj = w ? w[j] : 1;
      A += wj * g;
      B += wj * g * d;
      if (dw) dw[j] += g * d * is;
      if (db) db[j] += g;
    }
    if (!gx) continue;
    const meanA = A / M, k = (B * is * is) / M;
    for (let j = 0; j < M; j++) gx[off + j] = ((w ? w[j] : 1) * gy[off + j] - meanA - (x[off + j] - m) * k) * is;
  }
  if (gw) gw.set(dw!);
  if (gb) gb.set(db!);
}
