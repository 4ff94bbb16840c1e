/**
 * HD95: the 95th percentile of the symmetric surface distances between a predicted and a true foreground, in
 * pixels, as MedPy's hd95 computes it. The surface of a mask is its foreground pixels that have a 4-neighbour in the
 * background or lie on the image edge (mask XOR its erosion by a cross, outside counted as background). With
 * d(a→B) the Euclidean distance from a surface pixel a of A to the nearest surface pixel of B,
 *   HD95 = percentile_95( { d(a→T) : a ∈ surface(P) } ∪ { d(t→P) : t ∈ surface(T) } )
 * with linear interpolation between order statistics (numpy's default).
 * Sentinels: both masks empty → 0; exactly one empty → Infinity (written as null in JSON, "inf" in CSV).
 */
import { squaredDistanceTransform } from './distance-transform.js';

/** Foreground pixels with a background 4-neighbour or on the image edge. */
export function surface(mask: Uint8Array, H: number, W: number): Uint8Array {
  const out = new Uint8Array(H * W);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const p = y * W + x;
      if (!mask[p]) continue;
      const edge = x === 0 || y === 0 || x === W - 1 || y === H - 1;
      if (edge || !mask[p - 1] || !mask[p + 1] || !mask[p - W] || !mask[p + W]) out[p] = 1;
    }
  }
  return out;
}

/** Percentile q in [0, 100] of sorted values, numpy 'linear' interpolation. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  const pos = ((sorted.length - 1) * q) / 100;
  const lo = Math.floor(pos), hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * HD95 between the foregrounds (class ids ≥ 1) of a prediction and a truth of H x W pixels. Pixels whose truth is
 * `ignoreIndex` count as background in both.
 */
export function hd95(pred: ArrayLike<number>, truth: ArrayLike<number>, H: number, W: number, ignoreIndex = 255): number {
  const P = new Uint8Array(H * W), T = new Uint8Array(H * W);
  let nP = 0, nT = 0;
  for (let i = 0; i < H * W; i++) {
    if (truth[i] === ignoreIndex) continue;
    if (pred[i] > 0) (P[i] = 1), nP++;
    if (truth[i] > 0) (T[i] = 1), nT++;
  }
  if (nP === 0 && nT === 0) return 0;
  if (nP === 0 || nT === 0) return Infinity;
  const sP = surface(P, H, W), sT = surface(T, H, W);
  const dtP = squaredDistanceTransform(sP, H, W), dtT = squaredDistanceTransform(sT, H, W);
  const d: number[] = [];
  for (let i = 0; i < H * W; i++) {
    if (sP[i]) d.push(Math.sqrt(dtT[i]));
    if (sT[i]) d.push(Math.sqrt(dtP[i]));
  }
  const sorted = Float64Array.from(d).sort();
  return percentile(sorted, 95);
}
