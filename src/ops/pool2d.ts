/**
 * 2-D pooling of NCHW maps: adaptiveAvgPool2d, avgPool2d, maxPool2d, with PyTorch's windows and output sizes.
 *
 * Output size of avg/max pooling (PyTorch's pooling_output_shape), per axis with e = dilation·(k − 1) + 1:
 *   out = floor((in + 2·pad − e + (ceilMode ? stride − 1 : 0)) / stride) + 1, minus 1 when ceilMode and the last
 *   window would start at or beyond in + pad.
 * Backward: the average pools spread gy[o]/divisor over the window of o (the transpose of the averaging map);
 * max pooling sends gy[o] to the arg-max element saved by the forward (the first maximum on ties).
 */
import { Tensor } from '../tensor/tensor.js';
import { allocArray, allocUninit, type FloatArray } from '../tensor/dtype.js';
import { ShapeError, ConfigError } from '../tensor/errors.js';
import { record } from '../autograd/record.js';
import * as K from '../kernels/pool2d.js';
import * as D from '../backend/dispatch/pool2d.js';

type Pair = number | readonly [number, number];

export interface AvgPool2dOptions {
  /** Default: kernelSize. */
  stride?: Pair;
  /** Implicit zero padding on both sides, at most half the kernel (default 0). */
  padding?: Pair;
  /** Divide by the window area including padding (default true, as PyTorch). */
  countIncludePad?: boolean;
  /** Use ceil instead of floor for the output size (default false). */
  ceilMode?: boolean;
}

export interface MaxPool2dOptions {
  /** Default: kernelSize. */
  stride?: Pair;
  /** Implicit −∞ padding on both sides, at most half the kernel (default 0). */
  padding?: Pair;
  /** Spacing between window elements (default 1). */
  dilation?: Pair;
  /** Use ceil instead of floor for the output size (default false). */
  ceilMode?: boolean;
}

function pair(op: string, name: string, v: Pair): [number, number] {
  const p: [number, number] = typeof v === 'number' ? [v, v] : Array.isArray(v) && v.length === 2 ? [v[0], v[1]] : [NaN, NaN];
  if (!Number.isInteger(p[0]) || !Number.isInteger(p[1])) {
    throw new ConfigError(op, `${name} must be an integer or an [h, w] pair of integers, got ${JSON.stringify(v)}`);
  }
  return p;
}

function checkInput(op: string, x: Tensor): void {
  if (x.ndim !== 4) throw new ShapeError(op, `expected a 4-D input [N, C, H, W], got rank ${x.ndim}`, { input: x.shape });
  if (x.dtype === 'int32') throw new ShapeError(op, 'expects a float input, got int32', { input: x.shape });
}

/** PyTorch's pooling_output_shape for one axis. */
function poolOutSize(inSize: number, k: number, pad: number, stride: number, dilation: number, ceilMode: boolean): number {
  let out = Math.floor((inSize + 2 * pad - dilation * (k - 1) - 1 + (ceilMode ? stride - 1 : 0)) / stride) + 1;
  if (ceilMode && (out - 1) * stride >= inSize + pad) out--;
  return out;
}

function poolGeom(
  op: string,
  x: Tensor,
  kernelSize: Pair,
  o: { stride?: Pair; padding?: Pair; dilation?: Pair; ceilMode?: boolean },
): K.PoolGeom {
  checkInput(op, x);
  const [kH, kW] = pair(op, 'kernelSize', kernelSize);
  const [sH, sW] = pair(op, 'stride', o.stride ?? [kH, kW]);
  const [pH, pW] = pair(op, 'padding', o.padding ?? 0);
  const [dH, dW] = pair(op, 'dilation', o.dilation ?? 1);
  if (kH <= 0 || kW <= 0) throw new ConfigError(op, `kernelSize must be positive, got [${kH}, ${kW}]`);
  if (sH <= 0 || sW <= 0) throw new ConfigError(op, `stride must be positive, got [${sH}, ${sW}]`);
  if (dH <= 0 || dW <= 0) throw new ConfigError(op, `dilation must be positive, got [${dH}, ${dW}]`);
  if (pH < 0 || pW < 0 || pH > Math.floor(kH / 2) || pW > Math.floor(kW / 2)) {
    throw new ConfigError(op, `padding must be between 0 and half the kernel size, got padding [${pH}, ${pW}] for kernelSize [${kH}, ${kW}]`);
  }
  const [N, C, H, W] = x.shape;
  const ceilMode = o.ceilMode ?? false;
  const oH = poolOutSize(H, kH, pH, sH, dH, ceilMode);
  const oW = poolOutSize(W, kW, pW, sW, dW, ceilMode);
  if (oH <= 0 || oW <= 0) {
    throw new ShapeError(op, `output size [${oH}, ${oW}] is too small (kernelSize [${kH}, ${kW}], stride [${sH}, ${sW}], padding [${pH}, ${pW}], dilation [${dH}, ${dW}])`, {
      input: x.shape,
    });
  }
  return { P: N * C, H, W, oH, oW, kH, kW, sH, sW, pH, pW, dH, dW };
}

const outShape = (x: Tensor, oH: number, oW: number): number[] => [x.shape[0], x.shape[1], oH, oW];

/**
 * Average over PyTorch's adaptive windows: output cell (i, j) averages rows [floor(i·H/oH), ceil((i+1)·H/oH)) and
 * the same for columns (covers global pooling, outputSize 1, and any other size). A null entry keeps that dim.
 * Shape: x [N, C, H, W] → [N, C, oH, oW].
 */
export function adaptiveAvgPool2d(x: Tensor, outputSize: number | readonly [number | null, number | null]): Tensor {
  const op = 'adaptiveAvgPool2d';
  checkInput(op, x);
  const [N, C, H, W] = x.shape;
  const req = typeof outputSize === 'number' ? [outputSize, outputSize] : Array.isArray(outputSize) && outputSize.length === 2 ? outputSize : null;
  if (!req) throw new ConfigError(op, `outputSize must be a number or an [h, w] pair, got ${JSON.stringify(outputSize)}`);
  const oH = req[0] ?? H;
  const oW = req[1] ?? W;
  if (!Number.isInteger(oH) || !Number.isInteger(oW) || oH <= 0 || oW <= 0) {
    throw new ShapeError(op, `outputSize must be positive integers, got [${oH}, ${oW}]`, { input: x.shape });
  }
  if (H <= 0 || W <= 0) throw new ShapeError(op, 'input H and W must be positive', { input: x.shape });
  const g: K.AdaptiveGeom = { P: N * C, H, W, oH, oW };
  const y = allocArray(x.dtype, N * C * oH * oW) as FloatArray;
  D.adaptiveAvgPool2dForward(y, x.data as FloatArray, g);
  return record(op, [x], new Tensor(y, outShape(x, oH, oW)), (gy) => {
    const gx = allocUninit(x.dtype, x.size) as FloatArray; // the kernel writes every element
    D.adaptiveAvgPool2dBackward(gx, gy.data as FloatArray, g);
    return [new Tensor(gx, x.shape)];
  }, []);
}

/** Average pooling over kH×kW windows. Shape: x [N, C, H, W] → [N, C, oH, oW]. */
export function avgPool2d(x: Tensor, kernelSize: Pair, options: AvgPool2dOptions = {}): Tensor {
  const g = poolGeom('avgPool2d', x, kernelSize, options);
  const countIncludePad = options.countIncludePad ?? true;
  const y = allocArray(x.dtype, g.P * g.oH * g.oW) as FloatArray;
  D.avgPool2dForward(y, x.data as FloatArray, g, countIncludePad);
  return record('avgPool2d', [x], new Tensor(y, outShape(x, g.oH, g.oW)), (gy) => {
    const gx = allocArray(x.dtype, x.size) as FloatArray;
    D.avgPool2dBackward(gx, gy.data as FloatArray, g, countIncludePad);
    return [new Tensor(gx, x.shape)];
  }, []);
}

/**
 * Max pooling over (dilated) kH×kW windows with −∞ padding. A dilated window that falls entirely into the padding
 * yields −∞ and passes no gradient (PyTorch eager allows such geometries too).
 * Shape: x [N, C, H, W] → [N, C, oH, oW].
 */
export function maxPool2d(x: Tensor, kernelSize: Pair, options: MaxPool2dOptions = {}): Tensor {
  const g = poolGeom('maxPool2d', x, kernelSize, options);
  const n = g.P * g.oH * g.oW;
  const y = allocArray(x.dtype, n) as FloatArray;
  const argmax = new Int32Array(n);
  D.maxPool2dForward(y, argmax, x.data as FloatArray, g);
  return record('maxPool2d', [x], new Tensor(y, outShape(x, g.oH, g.oW)), (gy) => {
    const gx = allocArray(x.dtype, x.size) as FloatArray;
    D.maxPool2dBackward(gx, gy.data as FloatArray, argmax, g);
    return [new Tensor(gx, x.shape)];
  });
}
