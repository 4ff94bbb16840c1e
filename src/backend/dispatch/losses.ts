/**
 * Which implementation runs the loss kernels (the loops: src/kernels/losses.ts; the losses: src/nn/losses.ts).
 *
 *   more than one thread, main thread,   the loop split over the worker pool by pixels (parallel/losses-pooled.ts):
 *   two chunks of work or more           every pixel's outputs from the same loop, so the same bits
 *   otherwise                            the loop on this thread
 *
 * The per-pixel passes go to the pool; the sums over pixels (diceSums, the caller's mean) run here, in pixel order.
 */
import type { FloatArray } from '../../tensor/dtype.js';
import * as K from '../../kernels/losses.js';
import {
  crossEntropyBackwardPooled, crossEntropyForwardPooled, diceBackwardPooled, softmaxProbsPooled,
} from '../parallel/losses-pooled.js';

export type { LossGeom } from '../../kernels/losses.js';

export function crossEntropyForward(
  loss: Float64Array, weightOf: Float64Array, lse: Float64Array, z: FloatArray, target: Int32Array,
  weight: FloatArray | null, ignoreIndex: number, smoothing: number, g: K.LossGeom,
): void {
  if (!crossEntropyForwardPooled(loss, weightOf, lse, z, target, weight, ignoreIndex, smoothing, g)) {
    K.crossEntropyForward(loss, weightOf, lse, z, target, weight, ignoreIndex, smoothing, g);
  }
}

export function crossEntropyBackward(
  gz: FloatArray, z: FloatArray, target: Int32Array, weight: FloatArray | null, ignoreIndex: number, smoothing: number,
  lse: Float64Array, gyPixel: FloatArray | null, gyScale: number, g: K.LossGeom,
): void {
  if (!crossEntropyBackwardPooled(gz, z, target, weight, ignoreIndex, smoothing, lse, gyPixel, gyScale, g)) {
    K.crossEntropyBackward(gz, z, target, weight, ignoreIndex, smoothing, lse, gyPixel, gyScale, g);
  }
}

/** Dice statistics and softmax probabilities (K.diceForward's outputs): the probabilities over the pool, the sums here. */
export function diceForward(
  inter: Float64Array, predSum: Float64Array, targetSum: Float64Array, prob: Float64Array, z: FloatArray,
  target: Int32Array, ignoreIndex: number, g: K.LossGeom,
): void {
  if (!softmaxProbsPooled(prob, z, g)) K.softmaxProbs(prob, z, g);
  K.diceSums(inter, predSum, targetSum, prob, target, ignoreIndex, g);
}

export function diceBackward(
  gz: FloatArray, prob: Float64Array, target: Int32Array, ignoreIndex: number, A: Float64Array, B: Float64Array, k: number, g: K.LossGeom,
): void {
  if (!diceBackwardPooled(gz, prob, target, ignoreIndex, A, B, k, g)) K.diceBackward(gz, prob, target, ignoreIndex, A, B, k, g);
}
