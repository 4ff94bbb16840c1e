/**
 * batchNorm2d: per-channel normalisation of NCHW input, as F.batch_norm on a 4-D tensor.
 *
 * training: normalise with the batch mean μ and the BIASED batch variance var = Σ(x − μ)²/n (n = N·H·W);
 *   if running stats are given they are updated in place:
 *   running_mean ← (1 − momentum)·running_mean + momentum·μ,
 *   running_var  ← (1 − momentum)·running_var  + momentum·var·n/(n − 1)   (the UNBIASED variance).
 * eval: normalise with running_mean and running_var (both required).
 * The BatchNorm2d module owns num_batches_tracked; this op does not touch it.
 *
 * Backward (derivation): with x̂ = (x − μ)/σ and y = γx̂ + β, ∂L/∂x̂ = γ·gy. In training μ and σ depend on x:
 *   ∂μ/∂x = 1/n and ∂σ/∂x = x̂/n, so gx = (γ/σ)·(gy − mean(gy) − x̂·mean(gy·x̂)) (means over n, h, w);
 * in eval they are constants and gx = (γ/σ)·gy. For both, gγ = Σ gy·x̂ and gβ = Σ gy.
 */
import { Tensor } from '../tensor/tensor.js';
import { allocArray, allocUninit, type FloatArray } from '../tensor/dtype.js';
import { ShapeError, ConfigError } from '../tensor/errors.js';
import { record } from '../autograd/record.js';
import { remakeable } from '../autograd/lifetimes.js';
import { batchNormApply, batchNormBackward, batchNormStats } from '../backend/dispatch/batchnorm2d.js';
import type { BatchNormGeom } from '../kernels/batchnorm2d.js';

export interface BatchNorm2dOptions {
  /** Use batch statistics and update the running ones (default false, as F.batch_norm). */
  training?: boolean;
  /** Weight of the new batch statistic in the running average (default 0.1). */
  momentum?: number;
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
}

const OP = 'batchNorm2d';

function checkPerChannel(name: string, t: Tensor | null, x: Tensor, sameDtype: boolean): void {
  if (!t) return;
  const C = x.shape[1];
  if (t.ndim !== 1 || t.shape[0] !== C) {
    throw new ShapeError(OP, `${name} must have shape [C] = [${C}]`, { input: x.shape, [name]: t.shape });
  }
  if (t.dtype === 'int32') throw new ShapeError(OP, `${name} must be a float tensor, got int32`, { [name]: t.shape });
  if (sameDtype && t.dtype !== x.dtype) {
    throw new ShapeError(OP, `${name} dtype (${t.dtype}) must match the input dtype (${x.dtype})`, { input: x.shape, [name]: t.shape });
  }
}

/**
 * Batch normalisation over (N, H, W) for each channel.
 * Shape: x [N, C, H, W]; runningMean, runningVar, weight, bias [C] (each may be null); output [N, C, H, W].
 */
export function batchNorm2d(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight: Tensor | null,
  bias: Tensor | null,
  options: BatchNorm2dOptions = {},
): Tensor {
  const training = options.training ?? false;
  const momentum = options.momentum ?? 0.1;
  const eps = options.eps ?? 1e-5;
  if (x.ndim !== 4) throw new ShapeError(OP, `expected a 4-D input [N, C, H, W], got rank ${x.ndim}`, { input: x.shape });
  if (x.dtype === 'int32') throw new ShapeError(OP, 'expects a float input, got int32', { input: x.shape });
  checkPerChannel('runningMean', runningMean, x, false);
  checkPerChannel('runningVar', runningVar, x, false);
  checkPerChannel('weight', weight, x, true);
  checkPerChannel('bias', bias, x, true);
  if (!Number.isFinite(momentum)) throw new ConfigError(OP, `momentum must be a finite number, got ${momentum}`);
  if (!(eps >= 0) || !Number.isFinite(eps)) throw new ConfigError(OP, `eps must be a non-negative finite number, got ${eps}`);
  if ((runningMean === null) !== (runningVar === null)) {
    throw new ConfigError(OP, 'runningMean and runningVar must both be given or both be null');
  }
  if (!training && !runningMean) throw new ConfigError(OP, 'runningMean and runningVar are required in eval mode (training: false)');

  const [N, C, H, W] = x.shape;
  const g: BatchNormGeom = { N, C, HW: H * W };
  const n = N * H * W;
  const xd = x.data as FloatArray;
  const mean = new Float64Array(C);
  const variance = new Float64Array(C);
  if (training) {
    if (n <= 1) throw new ShapeError(OP, 'expected more than 1 value per channel when training', { input: x.shape });
    batchNormStats(mean, variance, xd, g); // float32 heap tensors: wasm, same bits
    if (runningMean && runningVar) {
      const rm = runningMean.data;
      const rv = runningVar.data;
      const unbias = n / (n - 1);
      for (let c = 0; c < C; c++) {
        rm[c] = (1 - momentum) * rm[c] + momentum * mean[c];
        rv[c] = (1 - momentum) * rv[c] + momentum * variance[c] * unbias;
      }
    }
  } else {
    mean.set(runningMean!.data);
    variance.set(runningVar!.data);
  }
  const invstd = new Float64Array(C);
  for (let c = 0; c < C; c++) invstd[c] = 1 / Math.sqrt(variance[c] + eps);

  const y = allocUninit(x.dtype, x.size) as FloatArray; // every element written
  const wData = weight ? (weight.data as FloatArray) : null, bData = bias ? (bias.data as FloatArray) : null;
  // float32 heap tensors: the same double-precision formula in wasm f64x2 on the pool (same bits)
  batchNormApply(y, xd, mean, invstd, wData, bData, g);

  // weight and bias as they are now, taken once the op is recorded (below): an optimizer may update them before the
  // backward runs or y is made again
  let w0: FloatArray | null = null, b0: FloatArray | null = null;
  const out = record(OP, [x, weight, bias], new Tensor(y, x.shape), (gy, needs) => {
    const gx = needs[0] ? (allocUninit(x.dtype, x.size) as FloatArray) : null; // every element written
    const gw = needs[1] ? (allocArray(weight!.dtype, C) as FloatArray) : null;
    const gb = needs[2] ? (allocArray(bias!.dtype, C) as FloatArray) : null;
    const gyd = gy.data as FloatArray;
    // x.data read now, not the forward's array: a remade x (lifetimes.ts: gelu's output) has new data
    batchNormBackward(gx, gw, gb, gyd, x.data as FloatArray, mean, invstd, w0, training, g);
    return [gx && new Tensor(gx, x.shape), gw && new Tensor(gw, [C]), gb && new Tensor(gb, [C])];
  }, [x, weight, bias]);
  if (!out.gradFn) return out;
  w0 = wData && wData.slice();
  b0 = bData && bData.slice();
  // y, when a consumer saves it (the conv after it), is released with its forward and made again from x (which
  // this op keeps) by the same kernel: the same bits
  return remakeable(out, [x], (into) => batchNormApply(into as FloatArray, x.data as FloatArray, mean, invstd, w0, b0, g));
}
