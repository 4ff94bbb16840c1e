/**
 * Which implementation runs BatchNorm2d's kernels (the loops are in src/kernels/batchnorm2d.ts).
 *
 *   batchNormStats / batchNormApply / batchNormBackward
 *     float32, wasm backend, main thread, tensors in the shared heap
 *                         the wasm kernels over the pool, channels (or planes) split (wasm/batchnorm.ts): the same
 *                         double-precision formulas in f64x2, so the same bits
 *     otherwise           the loops, this thread
 */
import type { FloatArray } from '../../tensor/dtype.js';
import { type BatchNormGeom, batchNorm2dBackward, batchNorm2dForward, batchNorm2dStats } from '../../kernels/batchnorm2d.js';
import { batchNormApplyWasm, batchNormBackwardWasm, batchNormStatsWasm } from '../wasm/batchnorm.js';

/** mean[c] and biased variance[c] of x's channels. */
export function batchNormStats(mean: Float64Array, variance: Float64Array, x: FloatArray, g: BatchNormGeom): void {
  if (!batchNormStatsWasm(mean, variance, x, g)) batchNorm2dStats(mean, variance, x, g);
}

/** y = (x − mean)·invstd·w + b per channel (w = 1, b = 0 when null). */
export function batchNormApply(y: FloatArray, x: FloatArray, mean: Float64Array, invstd: Float64Array, w: FloatArray | null, b: FloatArray | null, g: BatchNormGeom): void {
  if (!batchNormApplyWasm(y, x, mean, invstd, w, b, g)) batchNorm2dForward(y, x, mean, invstd, w, b, g);
}

/** gx (if non-null), gw, gb from gy. */
export function batchNormBackward(gx: FloatArray | null, gw: FloatArray | null, gb: FloatArray | null, gy: FloatArray, x: FloatArray,
  mean: Float64Array, invstd: Float64Array, w: FloatArray | null, training: boolean, g: BatchNormGeom): void {
  if (!batchNormBackwardWasm(gx, gw, gb, gy, x, mean, invstd, w, training, g)) batchNorm2dBackward(gx, gw, gb, gy, x, mean, invstd, w, training, g);
}
