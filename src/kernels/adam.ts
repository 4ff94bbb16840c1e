/**
 * One Adam / AdamW step over elements [lo, hi) of a parameter (the formulas in src/optim/adam.ts), in double
 * precision with every stored value rounded to the arrays' type, in this order per element:
 *   p ← p·decay                                   (AdamW; decay = 1 − lr·wd, else 1: p·1 = p exactly)
 *   g ← l2 ≠ 0 ? g + l2·p : g                     (Adam's L2 term)
 *   m ← m + (1 − β1)·(g − m)
 *   v ← β2·v + ((1 − β2)·g)·g
 *   v̂ ← vMax ? (vMax ← max(vMax, v)) : v
 *   p ← p − stepSize·(m / (√v̂ / bc2Sqrt + eps))
 * The wasm twin (backend/wasm/modules/elementwise-module.ts adamStep) does the same double operations on the same
 * stored values: the same bits.
 */
import type { FloatArray } from '../tensor/dtype.js';

export interface AdamStep {
  /** lr / (1 − β1^t) */
  stepSize: number;
  /** √(1 − β2^t) */
  bc2Sqrt: number;
  /** 1 − lr·wd (AdamW) or 1 */
  decay: number;
  /** wd (Adam) or 0 */
  l2: number;
  b1: number;
  b2: number;
  eps: number;
}

export function adamUpdateRange(
  p: FloatArray, grad: FloatArray, m: FloatArray, v: FloatArray, vMax: FloatArray | null, c: AdamStep, lo: number, hi: number,
): void {
  const { stepSize, bc2Sqrt, decay, l2, b1, b2, eps } = c;
  for (let i = lo; i < hi; i++) {
    if (decay !== 1) p[i] *= decay;
    const gi = l2 !== 0 ? grad[i] + l2 * p[i] : grad[i];
    m[i] += (1 - b1) * (gi - m[i]);
    v[i] = b2 * v[i] + (1 - b2) * gi * gi;
    let vHat = v[i];
    if (vMax) vHat = vMax[i] = Math.max(vMax[i], v[i]);
    p[i] -= stepSize * (m[i] / (Math.sqrt(vHat) / bc2Sqrt + eps)); // torch: addcdiv_(m, denom, -stepSize)
  }
}
