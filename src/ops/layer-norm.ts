/**
 * layerNorm: F.layer_norm(input, normalized_shape, weight, bias, eps). The last dims of x, which must equal
 * normalizedShape, are normalised together for each leading index, with the mean and BIASED variance; weight and
 * bias (shaped normalizedShape) are an element-wise affine map over them. Formulas: src/kernels/layer-norm.ts.
 */
import { Tensor } from '../tensor/tensor.js';
import { allocUninit, type FloatArray } from '../tensor/dtype.js';
import { ShapeError, ConfigError } from '../tensor/errors.js';
import { fmtShape, numel, shapesEqual, type Shape } from '../tensor/shape.js';
import { recordAffineNorm } from './affine-norm.js';
import { batchNormStats } from '../backend/dispatch/batchnorm2d.js';
import { layerNormBackward, layerNormForward } from '../backend/dispatch/layer-norm.js';

export interface LayerNormOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
}

const OP = 'layerNorm';

function checkAffine(name: string, t: Tensor | null, x: Tensor, normalizedShape: Shape): void {
  if (!t) return;
  if (!shapesEqual(t.shape, normalizedShape)) {
    throw new ShapeError(OP, `${name} must have the normalized shape ${fmtShape(normalizedShape)}`, { input: x.shape, [name]: t.shape });
  }
  if (t.dtype !== x.dtype) throw new ShapeError(OP, `${name} dtype (${t.dtype}) must match the input dtype (${x.dtype})`, { input: x.shape, [name]: t.shape });
}

/**
 * Layer normalisation over the last normalizedShape.length dims.
 * Shape: x [*, ...normalizedShape]; weight and bias normalizedShape or null; output like x.
 */
export function layerNorm(x: Tensor, normalizedShape: Shape, weight: Tensor | null = null, bias: Tensor | null = null, options: LayerNormOptions = {}): Tensor {
  const eps = options.eps ?? 1e-5;
  if (x.dtype === 'int32') throw new ShapeError(OP, 'expects a float input, got int32', { input: x.shape });
  const k = normalizedShape.length;
  if (k === 0 || normalizedShape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new ConfigError(OP, `normalizedShape must be a non-empty list of positive integers, got ${fmtShape(normalizedShape)}`);
  }
  if (k > x.ndim || !shapesEqual(x.shape.slice(x.ndim - k), normalizedShape)) {
    throw new ShapeError(OP, `the last ${k} dim(s) of the input must be the normalized shape ${fmtShape(normalizedShape)}`, { input: x.shape });
  }
  checkAffine('weight', weight, x, normalizedShape);
  checkAffine('bias', bias, x, normalizedShape);
  if (!(eps >= 0) || !Number.isFinite(eps)) throw new ConfigError(OP, `eps must be a non-negative finite number, got ${eps}`);

  const M = numel(normalizedShape), R = x.size / M;
  const xd = x.data as FloatArray;
  const mean = new Float64Array(R), invstd = new Float64Array(R);
  if (R > 0) {
    const variance = new Float64Array(R);
    batchNormStats(mean, variance, xd, { N: 1, C: R, HW: M }); // rows as BatchNorm's channels (float32 heap: wasm, same bits)
    for (let r = 0; r < R; r++) invstd[r] = 1 / Math.sqrt(variance[r] + eps);
  }
  const y = allocUninit(x.dtype, x.size) as FloatArray; // every element written
  const wData = weight ? (weight.data as FloatArray) : null, bData = bias ? (bias.data as FloatArray) : null;
  layerNormForward(y, xd, mean, invstd, wData, bData, M);

  return recordAffineNorm(OP, x, weight, bias, y, normalizedShape,
    (gx, gw, gb, gy, xs, w0) => layerNormBackward(gx, gw, gb, gy, xs, mean, invstd, w0, M));
}
