/**
 * groupNorm: F.group_norm(input, num_groups, weight, bias, eps). The C channels of x [N, C, *] go in numGroups
 * groups of adjacent channels; each (sample, group) is normalised with its own mean and BIASED variance, then each
 * channel gets its affine map γ_c·x̂ + β_c. No running statistics: train and eval are the same computation, which
 * is why it suits small batches (a batch of 2 at 480², where BatchNorm's batch statistics are noisy).
 * Formulas and backward: src/kernels/group-norm.ts.
 */
import { Tensor } from '../tensor/tensor.js';
import { allocUninit, type FloatArray } from '../tensor/dtype.js';
import { ShapeError, ConfigError } from '../tensor/errors.js';
import { numel } from '../tensor/shape.js';
import { recordAffineNorm } from './affine-norm.js';
import { batchNormApply, batchNormStats } from '../backend/dispatch/batchnorm2d.js';
import { type GroupNormGeom, groupStatsGeom, rowParams } from '../kernels/group-norm.js';
import { groupNormBackward } from '../backend/dispatch/group-norm.js';

export interface GroupNormOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
}

const OP = 'groupNorm';

function checkPerChannel(name: string, t: Tensor | null, x: Tensor): void {
  if (!t) return;
  const C = x.shape[1];
  if (t.ndim !== 1 || t.shape[0] !== C) throw new ShapeError(OP, `${name} must have shape [C] = [${C}]`, { input: x.shape, [name]: t.shape });
  if (t.dtype !== x.dtype) throw new ShapeError(OP, `${name} dtype (${t.dtype}) must match the input dtype (${x.dtype})`, { input: x.shape, [name]: t.shape });
}

/**
 * Group normalisation. Shape: x [N, C, *] (rank ≥ 2), weight and bias [C] or null; output like x.
 * C must be divisible by numGroups.
 */
export function groupNorm(x: Tensor, numGroups: number, weight: Tensor | null = null, bias: Tensor | null = null, options: GroupNormOptions = {}): Tensor {
  const eps = options.eps ?? 1e-5;
  if (x.ndim < 2) throw new ShapeError(OP, `expected an input [N, C, *] of rank 2 or more, got rank ${x.ndim}`, { input: x.shape });
  if (x.dtype === 'int32') throw new ShapeError(OP, 'expects a float input, got int32', { input: x.shape });
  const [N, C] = x.shape;
  if (!Number.isInteger(numGroups) || numGroups < 1) throw new ConfigError(OP, `numGroups must be a positive integer, got ${numGroups}`);
  if (C % numGroups !== 0) throw new ShapeError(OP, `input channels (${C}) must be divisible by numGroups (${numGroups})`, { input: x.shape });
  checkPerChannel('weight', weight, x);
  checkPerChannel('bias', bias, x);
  if (!(eps >= 0) || !Number.isFinite(eps)) throw new ConfigError(OP, `eps must be a non-negative finite number, got ${eps}`);

  const g: GroupNormGeom = { N, C, G: numGroups, S: numel(x.shape.slice(2)) };
  const xd = x.data as FloatArray;
  const groups = N * numGroups;
  const mean = new Float64Array(groups), invstd = new Float64Array(groups);
  if (x.size > 0) {
    const variance = new Float64Array(groups);
    batchNormStats(mean, variance, xd, groupStatsGeom(g)); // float32 heap tensors: wasm, same bits
    for (let i = 0; i < groups; i++) invstd[i] = 1 / Math.sqrt(variance[i] + eps);
  }
  const y = allocUninit(x.dtype, x.size) as FloatArray; // every element written
  const wData = weight ? (weight.data as FloatArray) : null, bData = bias ? (bias.data as FloatArray) : null;
  const rows = rowParams(mean, invstd, wData, bData, g);
  batchNormApply(y, xd, rows.mean, rows.invstd, rows.w, rows.b, { N: 1, C: N * C, HW: g.S });

  return recordAffineNorm(OP, x, weight, bias, y, [C],
    (gx, gw, gb, gy, xs, w0) => groupNormBackward(gx, gw, gb, gy, xs, mean, invstd, w0, g));
}
