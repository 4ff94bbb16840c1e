/**
 * Which implementation runs GroupNorm's backward (the loops are in src/kernels/group-norm.ts; its statistics and y
 * are BatchNorm's, see dispatch/batchnorm2d.ts):
 *   gy, x (and gx) heap views of one float type, more than one thread, big enough
 *                  the loops over the pool, row sums by rows, gx by groups (parallel/js-pooled.ts): the loops' bits
 *   otherwise      the loops, this thread
 */
import type { FloatArray } from '../../tensor/dtype.js';
import { type GroupNormGeom, groupNormBackward as backwardLoop } from '../../kernels/group-norm.js';
import { runGroupNormBackwardJs } from '../parallel/js-pooled.js';

export function groupNormBackward(gx: FloatArray | null, gw: FloatArray | null, gb: FloatArray | null, gy: FloatArray, x: FloatArray,
  mean: Float64Array, invstd: Float64Array, w: FloatArray | null, g: GroupNormGeom): void {
  if (!runGroupNormBackwardJs(gx, gw, gb, gy, x, mean, invstd, w, g)) backwardLoop(gx, gw, gb, gy, x, mean, invstd, w, g);
}
