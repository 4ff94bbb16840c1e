/**
 * Which implementation runs LayerNorm's passes (the loops are in src/kernels/layer-norm.ts; its row statistics are
 * BatchNorm's, see dispatch/batchnorm2d.ts):
 *   big arrays heap views of one float type, more than one thread, big enough
 *                  the loops over the pool: y and gx by rows, gw / gb by columns (parallel/js-pooled.ts): the loops' bits
 *   otherwise      the loops, this thread
 */
import type { FloatArray } from '../../tensor/dtype.js';
import { layerNormBackward as backwardLoop, layerNormForward as forwardLoop } from '../../kernels/layer-norm.js';
import { runLayerNormJs } from '../parallel/js-pooled.js';

export function layerNormForward(y: FloatArray, x: FloatArray, mean: Float64Array, invstd: Float64Array, w: FloatArray | null,
  b: FloatArray | null, M: number): void {
  if (!runLayerNormJs('forward', y, null, null, null, x, mean, invstd, w, b, M)) forwardLoop(y, x, mean, invstd, w, b, M);
}

export function layerNormBackward(gx: FloatArray | null, gw: FloatArray | null, gb: FloatArray | null, gy: FloatArray, x: FloatArray,
  mean: Float64Array, invstd: Float64Array, w: FloatArray | null, M: number): void {
  if (!runLayerNormJs('backward', gx, gw, gb, gy, x, mean, invstd, w, null, M)) backwardLoop(gx, gw, gb, gy, x, mean, invstd, w, M);
}
