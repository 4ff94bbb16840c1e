/**
 * Fused loss kernels over logits laid out as [N, C, S] (S = product of the spatial dims; element (n, c, s) at
 * (n·C + c)·S + s) with int32 targets [N, S]. All accumulation is in double.
 *
 * Cross-entropy (log-softmax + NLL, with class weights w and label smoothing ε), per pixel i = (n, s), target t:
 *   lse_i = log Σ_c e^{z_c},  nll_i = lse_i − z_t,
 *   loss_i = (1 − ε)·w_t·nll_i + (ε/C)·Σ_c w_c·(lse_i − z_c),   weightOf_i = w_t   (both 0 when t is ignored)
 *   ∂loss_i/∂z_c = (1 − ε)·w_t·(p_c − [c = t]) + (ε/C)·(W·p_c − w_c),   p_c = e^{z_c − lse_i},  W = Σ_c w_c
 * Work unit: pixels [lo, hi) of the N·S pixels (each writes only its own outputs).
 *
 * Dice (softmax p, one-hot target over non-ignored pixels), per image n and class c:
 *   I = Σ p_c·[t = c],  P = Σ p_c,  T = Σ [t = c]  (sums over the non-ignored pixels of image n)
 *   ∂L/∂p_c = k·(A_nc·[t = c] − B_nc), with the caller's A, B, k; then through the softmax:
 *   ∂L/∂z_c = p_c·(∂L/∂p_c − Σ_c' p_c'·∂L/∂p_c')
 */
import type { FloatArray } from '../tensor/dtype.js';

export interface LossGeom {
  N: number;
  C: number;
  /** pixels per image (1 for [N, C] logits) */
  S: number;
}

/**
 * log Σ_c e^{z[base + c·S]}, computed stably around the max. Kept apart from softmax.ts's laneStats on purpose:
 * here an infinite max gives ±Infinity (laneStats gives NaN) and the max skips NaNs (laneStats takes them).
 */
function logSumExp(z: FloatArray, base: number, C: number, S: number): number {
  let m = -Infinity;
  for (let c = 0, j = base; c < C; c++, j += S) if (z[j] > m) m = z[j];
  if (m === -Infinity || m === Infinity) return m;
  let s = 0;
  for (let c = 0, j = base; c < C; c++, j += S) s += Math.exp(z[j] - m);
  return m + Math.log(s);
}

/**
 * Per-pixel cross-entropy: loss[i] as above, weightOf[i] = w_t (1 without class weights; 0 if ignored) and
 * lse[i] (saved for the backward).
 */
export function crossEntropyForward(
  loss: Float64Array,
  weightOf: Float64Array,
  lse: Float64Array,
  z: FloatArray,
  target: Int32Array,
  weight: FloatArray | null,
  ignoreIndex: number,
  smoothing: number,
  g: LossGeom,
  lo = 0,
  hi = g.N * g.S,
): void {
  const { C, S } = g;
  for (let i = lo; i < hi; i++) {
    const t = target[i];
    if (t === ignoreIndex) {
      loss[i] = 0;
      weightOf[i] = 0;
      lse[i] = 0;
      continue;
    }
    const n = Math.floor(i / S);
    const base = n * C * S + (i - n * S);
    const l = logSumExp(z, base, C, S);
    const wt = weight ? weight[t] : 1;
    let v = wt * (l - z[base + t * S]);
    if (smoothing > 0) {
      let smooth = 0;
      for (let c = 0, j = base; c < C; c++, j += S) smooth += (weight ? weight[c] : 1) * (l - z[j]);
      v = (1 - smoothing) * v + (smoothing / C) * smooth;
    }
    loss[i] = v;
    weightOf[i] = wt;
    lse[i] = l;
  }
}

/**
 * gz = ∂/∂z of Σ_i g_i·loss_i, with g_i = gyPixel[i] when given (reduction 'none'), else gyScale for every pixel.
 * Ignored pixels get 0.
 */
export function crossEntropyBackward(
  gz: FloatArray,
  z: FloatArray,
  target: Int32Array,
  weight: FloatArray | null,
  ignoreIndex: number,
  smoothing: number,
  lse: Float64Array,
  gyPixel: FloatArray | null,
  gyScale: number,
  g: LossGeom,
  lo = 0,
  hi = g.N * g.S,
): void {
  const { C, S } = g;
  let wAll = C;
  if (weight) {
    wAll = 0;
    for (let c = 0; c < C; c++) wAll += weight[c];
  }
  for (let i = lo; i < hi; i++) {
    const n = Math.floor(i / S);
    const base = n * C * S + (i - n * S);
    const t = target[i];
    if (t === ignoreIndex) {
      for (let c = 0, j = base; c < C; c++, j += S) gz[j] = 0;
      continue;
    }
    const gi = gyPixel ? gyPixel[i] : gyScale;
    const a = gi * (1 - smoothing) * (weight ? weight[t] : 1);
    const b = (gi * smoothing) / C;
    const l = lse[i];
    for (let c = 0, j = base; c < C; c++, j += S) {
      const p = Math.exp(z[j] - l);
      gz[j] = a * (c === t ? p - 1 : p) + (b === 0 ? 0 : b * (wAll * p - (weight ? weight[c] : 1)));
    }
  }
}

/**
 * Softmax probabilities of pixels [lo, hi) of the N·S: prob[(n·C + c)·S + s] = e^{z_c − lse}, lse as above.
 * Each pixel writes only its own C outputs (the work unit of the pooled twin).
 */
export function softmaxProbs(prob: Float64Array, z: FloatArray, g: LossGeom, lo = 0, hi = g.N * g.S): void {
  const { C, S } = g;
  for (let i = lo; i < hi; i++) {
    const n = Math.floor(i / S);
    const base = n * C * S + (i - n * S);
    const l = logSumExp(z, base, C, S);
    for (let c = 0, j = base; c < C; c++, j += S) prob[j] = Math.exp(z[j] - l);
  }
}

/**
 * Dice statistics per (n, c) from the softmax probabilities: inter = Σ p·[t = c], predSum = Σ p, targetSum = Σ [t = c]
 * over the non-ignored pixels of image n, summed in pixel order. Work unit: images [lo, hi).
 */
export function diceSums(
  inter: Float64Array,
  predSum: Float64Array,
  targetSum: Float64Array,
  prob: Float64Array,
  target: Int32Array,
  ignoreIndex: number,
  g: LossGeom,
  lo = 0,
  hi = g.N,
): void {
  const { C, S } = g;
  for (let n = lo; n < hi; n++) {
    inter.fill(0, n * C, (n + 1) * C);
    predSum.fill(0, n * C, (n + 1) * C);
    targetSum.fill(0, n * C, (n + 1) * C);
    for (let s = 0; s < S; s++) {
      const t = target[n * S + s];
      if (t === ignoreIndex) continue;
      const base = n * C * S + s;
      for (let c = 0, j = base; c < C; c++, j += S) predSum[n * C + c] += prob[j];
      inter[n * C + t] += prob[base + t * S];
      targetSum[n * C + t] += 1;
    }
  }
}

/**
 * Dice statistics and the softmax probabilities prob (all pixels): softmaxProbs, then diceSums.
 */
export function diceForward(
  inter: Float64Array,
  predSum: Float64Array,
  targetSum: Float64Array,
  prob: Float64Array,
  z: FloatArray,
  target: Int32Array,
  ignoreIndex: number,
  g: LossGeom,
): void {
  softmaxProbs(prob, z, g);
  diceSums(inter, predSum, targetSum, prob, target, ignoreIndex, g);
}

/** gz for ∂L/∂p_c = k·(A[n, c]·[t = c] − B[n, c]) on non-ignored pixels (0 on ignored ones). Work unit: pixels. */
export function diceBackward(
  gz: FloatArray,
  prob: Float64Array,
  target: Int32Array,
  ignoreIndex: number,
  A: Float64Array,
  B: Float64Array,
  k: number,
  g: LossGeom,
  lo = 0,
  hi = g.N * g.S,
): void {
  const { C, S } = g;
  for (let i = lo; i < hi; i++) {
    const n = Math.floor(i / S);
    const base = n * C * S + (i - n * S);
    const t = target[i];
    if (t === ignoreIndex) {
      for (let c = 0, j = base; c < C; c++, j += S) gz[j] = 0;
      continue;
    }
    // gp_c = k·(A_c·[t = c] − B_c);  dot = Σ_c p_c·gp_c
    let dot = 0;
    for (let c = 0, j = base; c < C; c++, j += S) dot += prob[j] * k * ((c === t ? A[n * C + c] : 0) - B[n * C + c]);
    for (let c = 0, j = base; c < C; c++, j += S) {
      const gp = k * ((c === t ? A[n * C + c] : 0) - B[n * C + c]);
      gz[j] = prob[j] * (gp - dot);
    }
  }
}
