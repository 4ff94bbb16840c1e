/**
 * Group normalisation (Wu & He 2018) over [N, C, S] data (S = the product of the spatial dims), G groups of
 * Cg = C/G adjacent channels. Each (n, g) is normalised over its M = Cg·S values, then each channel gets its own
 * affine map, as F.group_norm:
 *   μ, var = the mean and BIASED variance of group (n, g);  σ⁻¹ = 1/√(var + eps);  x̂ = (x − μ)·σ⁻¹;  y = γ_c·x̂ + β_c
 *
 * The statistics and y reuse BatchNorm's kernels (src/kernels/batchnorm2d.ts) on reshaped geometries:
 *  - the groups of one sample are contiguous, so the stats of [N, C, S] in G groups are the per-channel stats of
 *    the same memory seen as [1, N·G, Cg·S] (groupStatsGeom);
 *  - y is BatchNorm's y = (x − mean)·invstd·w + b on [1, N·C, S], one "channel" per (n, c), with the group's μ, σ⁻¹
 *    and the channel's γ, β repeated per row (rowParams).
 *
 * Backward. With gx̂ = γ_c·gy and means over the group's M values (μ and σ depend on every x of the group; the
 * same derivation as BatchNorm's, see ops/batchnorm2d.ts):
 *   gx = σ⁻¹·(gx̂ − mean(gx̂) − x̂·mean(gx̂·x̂))
 *      = (γ_c·gy − A/M − (x − μ)·σ⁻²·B/M)·σ⁻¹,   A = Σ_{c∈g} γ_c·Σ_s gy,  B = Σ_{c∈g} γ_c·Σ_s gy·(x − μ)
 *   gγ_c = Σ_{n,s} gy·x̂,   gβ_c = Σ_{n,s} gy.
 * Sums are in double, rows first (one pass over gy and x per (n, c)), then gx in a second pass.
 */
import type { FloatArray } from '../tensor/dtype.js';
import type { BatchNormGeom } from './batchnorm2d.js';

export interface GroupNormGeom {
  N: number;
  C: number;
  G: number;
  /** product of the spatial dims (1 for [N, C]) */
  S: number;
}

/** [N, C, S] in G groups seen as BatchNorm's [1, N·G, Cg·S]: its per-channel stats are the per-(n, g) stats. */
export function groupStatsGeom({ N, C, G, S }: GroupNormGeom): BatchNormGeom {
  return { N: 1, C: N * G, HW: (C / G) * S };
}

/**
 * Per-(n, c) rows for BatchNorm's y on [1, N·C, S]: the group's mean and σ⁻¹, the channel's γ and β (null stays null;
 * the γ, β rows have γ's and β's float type).
 */
export function rowParams(mean: Float64Array, invstd: Float64Array, w: FloatArray | null, b: FloatArray | null,
  g: GroupNormGeom): { mean: Float64Array; invstd: Float64Array; w: FloatArray | null; b: FloatArray | null } {
  const { N, C, G } = g, Cg = C / G, rows = N * C;
  const rowsLike = (p: FloatArray | null): FloatArray | null => p && (p instanceof Float64Array ? new Float64Array(rows) : new Float32Array(rows));
  const rm = new Float64Array(rows), ri = new Float64Array(rows), rw = rowsLike(w), rb = rowsLike(b);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const r = n * C + c, grp = n * G + Math.floor(c / Cg);
      rm[r] = mean[grp];
      ri[r] = invstd[grp];
      if (rw) rw[r] = w![c];
      if (rb) rb[r] = b![c];
    }
  }
  return { mean: rm, invstd: ri, w: rw, b: rb };
}

/** Σ_s gy and Σ_s gy·(x − μ) of rows (n, c) [lo, hi) into sumGy, sumGyD (double, in element order). */
export function groupNormRowSums(sumGy: Float64Array, sumGyD: Float64Array, gy: FloatArray, x: FloatArray, mean: Float64Array,
  g: GroupNormGeom, lo = 0, hi = g.N * g.C): void {
  const { C, G, S } = g, Cg = C / G;
  for (let r = lo; r < hi; r++) {
    const n = Math.floor(r / C), c = r - n * C, m = mean[n * G + Math.floor(c / Cg)];
    let s1 = 0, s2 = 0;
    for (let i = r * S, end = i + S; i < end; i++) {
      s1 += gy[i];
      s2 += gy[i] * (x[i] - m);
    }
    sumGy[r] = s1;
    sumGyD[r] = s2;
  }
}

/** gx of groups (n, g) [lo, hi) from the row sums (see the formula at the top). */
export function groupNormInputGrad(gx: FloatArray, gy: FloatArray, x: FloatArray, mean: Float64Array, invstd: Float64Array,
  w: FloatArray | null, sumGy: Float64Array, sumGyD: Float64Array, g: GroupNormGeom, lo = 0, hi = g.N * g.G): void {
  const { C, G, S } = g, Cg = C / G, M = Cg * S;
  for (let gi = lo; gi < hi; gi++) {
    const n = Math.floor(gi / G), grp = gi - n * G, m = mean[gi], is = invstd[gi];
    let A = 0, B = 0;
    for (let c = grp * Cg; c < (grp + 1) * Cg; c++) {
      const wc = w ? w[c] : 1;
      A += wc * sumGy[n * C + c];
      B += wc * sumGyD[n * C + c];
    }
    const meanA = A / M, k = (B * is * is) / M;
    for (let c = grp * Cg; c < (grp + 1) * Cg; c++) {
      const wc = w ? w[c] : 1;
      for (let i = (n * C + c) * S, end = i + S; i < end; i++) gx[i] = (wc * gy[i] - meanA - (x[i] - m) * k) * is;
    }
  }
}

/** gw[c] = Σ_n Σ_s gy·x̂ and gb[c] = Σ_n Σ_s gy from the row sums (either may be null), n in order. */
export function groupNormParamGrads(gw: FloatArray | null, gb: FloatArray | null, sumGy: Float64Array, sumGyD: Float64Array,
  invstd: Float64Array, g: GroupNormGeom): void {
  const { N, C, G } = g, Cg = C / G;
  for (let c = 0; c < C; c++) {
    let dw = 0, db = 0;
    for (let n = 0; n < N; n++) {
      dw += sumGyD[n * C + c] * invstd[n * G + Math.floor(c / Cg)];
      db += sumGy[n * C + c];
    }
    if (gw) gw[c] = dw;
    if (gb) gb[c] = db;
  }
}

/** gx (if non-null), gw, gb (if non-null) of group norm from gy; mean and invstd are per (n, g). */
export function groupNormBackward(
  gx: FloatArray | null,
  gw: FloatArray | null,
  gb: FloatArray | null,
  gy: FloatArray,
  x: FloatArray,
  mean: Float64Array,
  invstd: Float64Array,
  w: FloatArray | null,
  g: GroupNormGeom,
): void {
  const sumGy = new Float64Array(g.N * g.C), sumGyD = new Float64Array(g.N * g.C);
  groupNormRowSums(sumGy, sumGyD, gy, x, mean, g);
  groupNormParamGrads(gw, gb, sumGy, sumGyD, invstd, g);
  if (gx) groupNormInputGrad(gx, gy, x, mean, invstd, w, sumGy, sumGyD, g);
}
