/**
 * Segmentation losses: crossEntropy (F.cross_entropy), diceLoss (the official AMSUnet dice_coefficient_loss.py)
 * and amsunetCriterion (the official training criterion, CE + Dice). Each is one fused kernel with its own
 * backward (src/kernels/losses.ts); gradients flow to the logits only (class weights are constants).
 *
 * crossEntropy, per pixel i with target t_i (ignored pixels contribute nothing):
 *   loss_i = (1 − ε)·w[t_i]·(−log p_i[t_i]) + (ε/C)·Σ_c w[c]·(−log p_i[c]),  p_i = softmax over the class dim
 *   'mean' = Σ_i loss_i / Σ_i w[t_i] (w = 1 without weights, so the count),  'sum' = Σ_i loss_i,  'none' = loss_i
 *   This is PyTorch's formula, including how label smoothing meets the weights (both terms share Σ w[t_i]).
 *   When every target is ignored, 'mean' is 0/0 = NaN exactly as in PyTorch (its gradient is 0).
 *   Backward: ∂loss_i/∂z_c = (1 − ε)·w[t_i]·(p_c − [c = t_i]) + (ε/C)·(Σ_c' w[c']·p_c − w[c]).
 *
 * diceLoss (dice_loss(x, build_target(t), multiclass=True, ignore_index)), per image n and class c over the
 * non-ignored pixels, with p = softmax over classes and the one-hot target:
 *   I = Σ p_c·[t = c],  S = Σ p_c + Σ [t = c],  d_nc = (2I + ε)/(S + ε),  ε = 1e-6
 *   (the official code replaces S by 2I when S == 0, i.e. an image with no non-ignored pixel gives d = 1 and no gradient)
 *   loss = 1 − mean_c mean_n d_nc   (background included)
 *   Backward: ∂loss/∂p_c = −1/(C·N)·(2·[t = c]/(S + ε) − (2I + ε)/(S + ε)²) on non-ignored pixels, then through
 *   the softmax: ∂loss/∂z_c = p_c·(∂loss/∂p_c − Σ_c' p_c'·∂loss/∂p_c').
 */
import { Tensor } from '../tensor/tensor.js';
import { allocArray, type FloatArray } from '../tensor/dtype.js';
import { ShapeError, ConfigError } from '../tensor/errors.js';
import { fmtShape, shapesEqual, stridesOf } from '../tensor/shape.js';
import { record } from '../autograd/record.js';
import { add } from '../ops/binary.js';
import * as K from '../backend/dispatch/losses.js';

import type { Reduction } from './pointwise-losses.js';

export * from './pointwise-losses.js';

export interface CrossEntropyOptions {
  /** Class weights [C] (a tensor or plain numbers). */
  weight?: Tensor | readonly number[] | null;
  /** Targets equal to this are skipped (default -100, as PyTorch). */
  ignoreIndex?: number;
  /** 'mean' (default), 'sum' or 'none' (per-pixel losses shaped like the target). */
  reduction?: Reduction;
  /** ε in [0, 1]: mixes the one-hot target with the uniform distribution (default 0). */
  labelSmoothing?: number;
}

export interface DiceLossOptions {
  /** Pixels with this target are excluded (default 255; a negative value excludes nothing). */
  ignoreIndex?: number;
  /** Smoothing term of the Dice ratio (default 1e-6, the official code's). */
  epsilon?: number;
}

export interface AmsunetCriterionOptions {
  /** Default 255, as the official training script. */
  ignoreIndex?: number;
  /** CE class weights; default [1, 1] for 2 classes (as the official script) and none otherwise. */
  weight?: Tensor | readonly number[] | null;
}

/** The [N, C, S] geometry of logits and the check that target is logits' shape without the class dim. */
function lossGeom(op: string, logits: Tensor, target: Tensor, minRank: number): K.LossGeom {
  if (logits.dtype === 'int32') throw new ShapeError(op, 'logits must be a float tensor, got int32', { logits: logits.shape });
  if (target.dtype !== 'int32') {
    throw new ShapeError(op, `target must be an int32 tensor of class indices, got ${target.dtype}`, { target: target.shape });
  }
  if (logits.ndim < minRank) {
    throw new ShapeError(op, `logits must have rank ${minRank === 1 ? '1 ([C]) or more ([N, C, ...])' : `${minRank} or more ([N, C, ...])`}, got rank ${logits.ndim}`, {
      logits: logits.shape,
    });
  }
  const batched = logits.ndim >= 2;
  const C = batched ? logits.shape[1] : logits.shape[0];
  const want = batched ? [logits.shape[0], ...logits.shape.slice(2)] : [];
  if (!shapesEqual(target.shape, want)) {
    throw new ShapeError(op, `target shape must be ${fmtShape(want)} (the logits shape without the class dim)`, {
      logits: logits.shape,
      target: target.shape,
    });
  }
  if (C < 1) throw new ShapeError(op, 'logits must have at least one class', { logits: logits.shape });
  const N = batched ? logits.shape[0] : 1;
  return { N, C, S: N === 0 ? 0 : target.size / N };
}

/** Every target must be a class in [0, C) or the ignored value; the first offender is reported with its index. */
function checkTargets(op: string, logits: Tensor, target: Tensor, C: number, isIgnored: (t: number) => boolean, ignoreText: string): void {
  const t = target.data;
  for (let i = 0; i < t.length; i++) {
    const v = t[i];
    if ((v < 0 || v >= C) && !isIgnored(v)) {
      const st = stridesOf(target.shape);
      const at = st.map((s, d) => Math.floor(i / s) % target.shape[d]);
      throw new ShapeError(op, `target value ${v} at ${fmtShape(at)} is out of range [0, ${C}) and is not ${ignoreText}`, {
        logits: logits.shape,
        target: target.shape,
      });
    }
  }
}

function classWeights(op: string, w: Tensor | readonly number[] | null | undefined, C: number): FloatArray | null {
  if (w === undefined || w === null) return null;
  const t = w instanceof Tensor ? w : null;
  if (t && t.dtype === 'int32') throw new ShapeError(op, 'weight must be a float tensor, got int32', { weight: t.shape });
  const shape = t ? t.shape : [(w as readonly number[]).length];
  if (shape.length !== 1 || shape[0] !== C) throw new ShapeError(op, `weight must have shape [C] = [${C}]`, { weight: shape });
  return Float64Array.from(t ? t.data : (w as readonly number[]));
}

/**
 * Cross-entropy of class logits against integer targets, as F.cross_entropy.
 * Shape: logits [N, C, d1, ..., dk] (k ≥ 0) or [C]; target int32 [N, d1, ..., dk] or []; output [] or, with
 * reduction 'none', the target's shape.
 */
export function crossEntropy(logits: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const op = 'crossEntropy';
  const ignoreIndex = options.ignoreIndex ?? -100;
  const reduction = options.reduction ?? 'mean';
  const smoothing = options.labelSmoothing ?? 0;
  if (!Number.isInteger(ignoreIndex)) throw new ConfigError(op, `ignoreIndex must be an integer, got ${ignoreIndex}`);
  if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') {
    throw new ConfigError(op, `reduction must be 'mean', 'sum' or 'none', got '${String(reduction)}'`);
  }
  if (!(smoothing >= 0 && smoothing <= 1)) throw new ConfigError(op, `labelSmoothing must be between 0 and 1, got ${smoothing}`);
  const g = lossGeom(op, logits, target, 1);
  const weight = classWeights(op, options.weight, g.C);
  checkTargets(op, logits, target, g.C, (v) => v === ignoreIndex, `ignoreIndex (${ignoreIndex})`);

  const z = logits.data as FloatArray;
  const t = target.data as Int32Array;
  const pixels = g.N * g.S;
  const loss = new Float64Array(pixels);
  const weightOf = new Float64Array(pixels);
  const lse = new Float64Array(pixels);
  K.crossEntropyForward(loss, weightOf, lse, z, t, weight, ignoreIndex, smoothing, g);

  let out: Tensor;
  let weightSum = 0;
  if (reduction === 'none') {
    const d = allocArray(logits.dtype, pixels);
    d.set(loss);
    out = new Tensor(d, target.shape);
  } else {
    let s = 0;
    for (let i = 0; i < pixels; i++) {
      s += loss[i];
      weightSum += weightOf[i];
    }
    const d = allocArray(logits.dtype, 1);
    d[0] = reduction === 'mean' ? s / weightSum : s; // all ignored: 0/0 = NaN, as PyTorch
    out = new Tensor(d, []);
  }

  return record(op, [logits], out, (gy) => {
    const gz = allocArray(logits.dtype, logits.size) as FloatArray;
    const perPixel = reduction === 'none' ? (gy.data as FloatArray) : null;
    const scale = reduction === 'mean' ? gy.data[0] / weightSum : reduction === 'sum' ? gy.data[0] : 0;
    K.crossEntropyBackward(gz, logits.data as FloatArray, t, weight, ignoreIndex, smoothing, lse, perPixel, scale, g);
    return [new Tensor(gz, logits.shape)];
  });
}

/**
 * 1 − mean Dice coefficient of softmax(logits) against the one-hot target, averaged over images then classes, as the
 * official AMSUnet code (pixels whose target is ignoreIndex are excluded).
 * Shape: logits [N, C, d1, ..., dk]; target int32 [N, d1, ..., dk]; output [].
 *
 * One deliberate difference: with ignoreIndex 0 or 1, the official code's mask `one_hot != ignore_index` would also
 * drop non-ignored pixels whose one-hot entry equals it; here only the ignored pixels are excluded.
 */
export function diceLoss(logits: Tensor, target: Tensor, options: DiceLossOptions = {}): Tensor {
  const op = 'diceLoss';
  const ignoreIndex = options.ignoreIndex ?? 255;
  const eps = options.epsilon ?? 1e-6;
  if (!Number.isInteger(ignoreIndex)) throw new ConfigError(op, `ignoreIndex must be an integer, got ${ignoreIndex}`);
  if (!(eps >= 0) || !Number.isFinite(eps)) throw new ConfigError(op, `epsilon must be a non-negative finite number, got ${eps}`);
  const g = lossGeom(op, logits, target, 2);
  const { N, C } = g;
  // Official build_target: a negative ignore_index masks nothing (and one_hot rejects negative targets).
  const ignore = ignoreIndex >= 0 ? ignoreIndex : Number.NaN;
  checkTargets(op, logits, target, C, (v) => v === ignore, ignoreIndex >= 0 ? `ignoreIndex (${ignoreIndex})` : 'ignored (ignoreIndex is negative)');

  const z = logits.data as FloatArray;
  const t = target.data as Int32Array;
  const inter = new Float64Array(N * C);
  const predSum = new Float64Array(N * C);
  const targetSum = new Float64Array(N * C);
  const prob = new Float64Array(logits.size);
  K.diceForward(inter, predSum, targetSum, prob, z, t, ignore, g);

  // d = (2I + ε)/(S + ε), S = 2I when S == 0 (official); A, B: ∂d/∂p = A·[t = c] − B.
  const A = new Float64Array(N * C);
  const B = new Float64Array(N * C);
  let dice = 0;
  for (let c = 0; c < C; c++) {
    let dc = 0;
    for (let n = 0; n < N; n++) {
      const k = n * C + c;
      const s = predSum[k] + targetSum[k];
      const num = 2 * inter[k] + eps;
      if (s === 0) {
        dc += num / (2 * inter[k] + eps);
        continue; // d ≡ 1 here: A = B = 0
      }
      dc += num / (s + eps);
      A[k] = 2 / (s + eps);
      B[k] = num / ((s + eps) * (s + eps));
    }
    dice += dc / N;
  }
  const out = allocArray(logits.dtype, 1);
  out[0] = 1 - dice / C;

  return record(op, [logits], new Tensor(out, []), (gy) => {
    const gz = allocArray(logits.dtype, logits.size) as FloatArray;
    K.diceBackward(gz, prob, t, ignore, A, B, -gy.data[0] / (C * N), g);
    return [new Tensor(gz, logits.shape)];
  });
}

/**
 * The official AMSUnet training loss: crossEntropy(logits, target, { weight, ignoreIndex }) + diceLoss(logits,
 * target, { ignoreIndex }), with CE weight [1, 1] for 2 classes and none otherwise unless given.
 * Shape: logits [N, C, H, W]; target int32 [N, H, W]; output [].
 */
export function amsunetCriterion(logits: Tensor, target: Tensor, options: AmsunetCriterionOptions = {}): Tensor {
  const ignoreIndex = options.ignoreIndex ?? 255;
  if (logits.ndim < 2) {
    throw new ShapeError('amsunetCriterion', `logits must have rank 2 or more ([N, C, ...]), got rank ${logits.ndim}`, { logits: logits.shape });
  }
  const C = logits.shape[1];
  const weight = options.weight ?? (C === 2 ? [1, 1] : null);
  return add(crossEntropy(logits, target, { weight, ignoreIndex }), diceLoss(logits, target, { ignoreIndex }));
}
