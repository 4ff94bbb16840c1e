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

/** Lanes handled together: consecutive lanes of one outer index are adjacent in memory, so each pass walks rows. */
const BLOCK = 256;
const mBuf = new Float64Array(BLOCK), sBuf = new Float64Array(BLOCK), lBuf = new Float64Array(BLOCK);
/** exp(x − m) of a run (at most E_MAX doubles: a run has at most E_MAX / D lanes), kept for the output pass. */
const E_MAX = 1 << 15;
let eBuf = new Float64Array(0);

/**
 * Calls f(base, n) for runs of lanes [lo, hi) that share one outer index: the run's lane j (j < n) starts at
 * base + j, its element d at base + d·inner + j (at most BLOCK lanes, and at most E_MAX / D for the exp buffer). Walking a run d by d reads whole rows, where one lane at a time
 * would jump `inner` elements per step (a page per element for a channel axis of an image tensor).
 */
function forRuns(g: LaneGeom, lo: number, hi: number, f: (base: number, n: number) => void): void {
  const most = Math.max(1, Math.min(BLOCK, Math.floor(E_MAX / Math.max(g.D, 1))));
  for (let t = lo; t < hi; ) {
    const o = Math.floor(t / g.inner), i = t - o * g.inner, n = Math.min(most, hi - t, g.inner - i);
    f(o * g.D * g.inner + i, n);
    t += n;
  }
}

/**
 * Per lane: m = its max (a NaN wins), e_d = exp(x_d − m) and s = Σ e_d in order of d, in doubles; then y_d = e_d / s
 * (softmax) or x_d − m − log s (logSoftmax). Every lane's sums run over d in the same order whichever run it falls
 * in, so any split of the lanes gives the same bits; e_d is computed once (exp is most of the cost).
 */
export function softmaxForward(y: TypedArray, x: TypedArray, g: LaneGeom, log: boolean, lo = 0, hi = g.outer * g.inner): void {
  const { D, inner } = g;
  if (eBuf.length < Math.min(E_MAX, BLOCK * D)) eBuf = new Float64Array(Math.min(E_MAX, BLOCK * D));
  const e = eBuf;
  forRuns(g, lo, hi, (base, n) => {
    mBuf.fill(-Infinity, 0, n);
    sBuf.fill(0, 0, n);
    for (let d = 0, k = base; d < D; d++, k += inner) {
      for (let j = 0; j < n; j++) if (x[k + j] > mBuf[j] || x[k + j] !== x[k + j]) mBuf[j] = x[k + j];
    }
    for (let d = 0, k = base, q = 0; d < D; d++, k += inner, q += n) {
      for (let j = 0; j < n; j++) sBuf[j] += e[q + j] = Math.exp(x[k + j] - mBuf[j]);
    }
    if (log) {
      for (let j = 0; j < n; j++) lBuf[j] = Math.log(sBuf[j]);
      for (let d = 0, k = base; d < D; d++, k += inner) for (let j = 0; j < n; j++) y[k + j] = x[k + j] - mBuf[j] - lBuf[j];
    } else {
      for (let d = 0, k = base, q = 0; d < D; d++, k += inner, q += n) for (let j = 0; j < n; j++) y[k + j] = e[q + j] / sBuf[j];
    }
  });
}

/** softmax: gx = y ⊙ (gy − Σ gy·y);  logSoftmax: gx = gy − exp(y)·Σ gy; sums over d in order, in doubles. */
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
  forRuns(g, lo, hi, (base, n) => {
    sBuf.fill(0, 0, n); // softmax: Σ gy·y;  logSoftmax: Σ gy
    for (let d = 0, k = base; d < D; d++, k += inner) for (let j = 0; j < n; j++) sBuf[j] += log ? gy[k + j] : gy[k + j] * y[k + j];
    for (let d = 0, k = base; d < D; d++, k += inner) {
      for (let j = 0; j < n; j++) gx[k + j] = log ? gy[k + j] - Math.exp(y[k + j]) * sBuf[j] : y[k + j] * (gy[k + j] - sBuf[j]);
    }
  });
}
