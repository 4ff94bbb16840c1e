/**
 * Softmax and log-softmax along one axis, with the input viewed as [outer, D, inner]: a "lane" is one
 * (outer, inner) pair, whose D elements sit `inner` apart. Numerically stable: m = max of the lane is
 * subtracted first, so exp never overflows; sums are taken in doubles.
 *   softmax:     y_d = exp(x_d − m) / Σ_e exp(x_e − m)
 *   logSoftmax:  y_d = x_d − m − log Σ_e exp(x_e − m)
 * Backward (s = softmax):  softmax: gx = y ⊙ (gy − Σ gy⊙y);  logSoftmax: gx = gy − exp(y)·Σ gy.
 * Work unit: one lane; a worker gets lanes [lo, hi) of outer·inner.
 */
import type { TypedArray } from '../tensor/dtype.js';

export interface LaneGeom {
  outer: number;
  D: number;
  inner: number;
}

const laneStart = (g: LaneGeom, t: number): number => Math.floor(t / g.inner) * g.D * g.inner + (t % g.inner);

/** Max of a lane and Σ exp(x − max) over it. */
function laneStats(x: TypedArray, at: number, D: number, step: number): [number, number] {
  let m = -Infinity;
  for (let d = 0, k = at; d < D; d++, k += step) if (x[k] > m || x[k] !== x[k]) m = x[k];
  let s = 0;
  for (let d = 0, k = at; d < D; d++, k += step) s += Math.exp(x[k] - m);
  return [m, s];
}

export function softmaxForward(y: TypedArray, x: TypedArray, g: LaneGeom, log: boolean, lo = 0, hi = g.outer * g.inner): void {
  const { D, inner } = g;
  for (let t = lo; t < hi; t++) {
    const at = laneStart(g, t);
    const [m, s] = laneStats(x, at, D, inner);
    const logS = Math.log(s);
    for (let d = 0, k = at; d < D; d++, k += inner) y[k] = log ? x[k] - m - logS : Math.exp(x[k] - m) / s;
  }
}

export function softmaxBackward(
  gx: TypedArray,
  gy: TypedArray,
  y: TypedArray,
  g: LaneGeom,
  log: boolean,
  lo = 0,
  hi = g.outer * g.inner,
): void {
  const { D, inner } = g;
  for (let t = lo; t < hi; t++) {
    const at = laneStart(g, t);
    let s = 0; // softmax: Σ gy·y;  logSoftmax: Σ gy
    for (let d = 0, k = at; d < D; d++, k += inner) s += log ? gy[k] : gy[k] * y[k];
    for (let d = 0, k = at; d < D; d++, k += inner) gx[k] = log ? gy[k] - Math.exp(y[k]) * s : y[k] * (gy[k] - s);
  }
}
