/**
 * Which implementation runs BatchNorm2d's kernels (the loops are in src/kernels/batchnorm2d.ts).
 *
 *   batchNormStats / batchNormApply / batchNormBackward
 *     float32, wasm backend, main thread, tensors in the shared heap
 *                         the wasm kernels over the pool, channels (or planes) split (wasm/batchnorm.ts): the same
 *                         double-precision formulas in f64x2, so the same bits
 *     otherwise           the loops, this thread
 *   batchNormFold (a BN folded into a conv's weights, nn/fuse-batchnorm.ts)
 *     float32, wasm backend, main thread
 *                         the wasm kernels on this thread (wasm/batchnorm.ts): the same double-precision
 *                         products and sums in the same order, so the same bits, and fast in a process's first
 *                         forward, where the loops run before V8 has compiled them
 *     otherwise           the loops
 */
import type { FloatArray } from '../../tensor/dtype.js';
import {
  type BatchNormGeom, type FoldGeom, batchNorm2dBackward, batchNorm2dForward, batchNorm2dStats, batchNormFoldWeights,
} from '../../kernels/batchnorm2d.js';
import { batchNormApplyWasm, batchNormBackwardWasm, batchNormFoldWasm, batchNormStatsWasm } from '../wasm/batchnorm.js';

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

/** A BN's affine map s·x + t folded into a conv's weight w and bias b, giving W and B (kernels/batchnorm2d.ts). */
export function batchNormFold(W: FloatArray, B: FloatArray, w: FloatArray, b: FloatArray | null, s: Float64Array, t: Float64Array, g: FoldGeom, side: 'after' | 'before'): void {
  if (!batchNormFoldWasm(W, B, w, b, s, t, g, side)) batchNormFoldWeights(W, B, w, b, s, t, g, side);
}
