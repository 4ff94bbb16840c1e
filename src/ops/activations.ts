/**
 * Activations: gelu (exact erf form by default, 'tanh' approximation on request), relu, sigmoid, tanh, leakyRelu, silu.
 * Each saves what its derivative needs: gelu, leakyRelu and silu the input x, the others their output y.
 *   gelu'(x) = Φ(x) + x·φ(x);  relu'(x) = [x > 0];  sigmoid'(x) = y(1 − y);  tanh'(x) = 1 − y²;
 *   leakyRelu'(x) = 1 for x > 0, else the slope;  silu'(x) = σ(x)·(1 + x·(1 − σ(x))).
 * Kernels and the full formulas: src/kernels/activations.ts. The exact gelu on float32 data runs on the
 * wasm SIMD kernels when the backend is wasm (src/backend/dispatch/activations.ts: float32 erf to 4e-7 absolute, every thread);
 * float64 and the js backend keep the double-precision erfc kernel.
 */
import { Tensor } from '../tensor/tensor.js';
import { allocUninit, type FloatArray } from '../tensor/dtype.js';
import { ShapeError, ConfigError } from '../tensor/errors.js';
import { record } from '../autograd/record.js';
import { remakeable } from '../autograd/lifetimes.js';
import * as K from '../kernels/activations.js';
import * as D from '../backend/dispatch/activations.js';

type Kernel = (out: FloatArray, a: FloatArray, b: FloatArray) => void;

function floatInput(op: string, x: Tensor): FloatArray {
  if (x.dtype === 'int32') throw new ShapeError(op, 'expects a float tensor, got int32', { input: x.shape });
  return x.data as FloatArray;
}

/** out = f(x) as a new tensor of x's dtype and shape. */
function map(x: Tensor, f: (out: FloatArray, x: FloatArray) => void): Tensor {
  const out = allocUninit(x.dtype, x.size) as FloatArray; // every element written
  f(out, x.data as FloatArray);
  return new Tensor(out, x.shape);
}

/** gx = kernel(gy, saved) as a tensor shaped like gy. */
function grad(gy: Tensor, saved: Tensor, kernel: Kernel): Tensor {
  const gx = allocUninit(saved.dtype, saved.size) as FloatArray; // every element written
  kernel(gx, gy.data as FloatArray, saved.data as FloatArray);
  return new Tensor(gx, saved.shape);
}

export interface GeluOptions {
  /** 'none' (default, PyTorch's default): x·Φ(x) with the exact erf; 'tanh': the tanh approximation. */
  approximate?: 'none' | 'tanh';
}

/** Gaussian error linear unit, y = x·Φ(x) (Hendrycks & Gimpel 2016). Shape: any; output like input. */
export function gelu(x: Tensor, options: GeluOptions = {}): Tensor {
  floatInput('gelu', x);
  const approximate = options.approximate ?? 'none';
  if (approximate !== 'none' && approximate !== 'tanh') {
    throw new ConfigError('gelu', `approximate must be 'none' or 'tanh', got '${String(approximate)}'`);
  }
  const exact = approximate === 'none';
  const forward = exact ? D.gelu : K.geluTanhForward;
  const y = record('gelu', [x], map(x, forward), (gy) => [grad(gy, x, exact ? D.geluBackward : K.geluTanhBackward)], [x]);
  // y, when a consumer saves it, is released with its forward and made again from x (which gelu keeps) for that backward
  return remakeable(y, [x], (into) => forward(into as FloatArray, x.data as FloatArray));
}

/** max(x, 0); its gradient is 0 at x = 0, as PyTorch's. Shape: any. */
export function relu(x: Tensor): Tensor {
  floatInput('relu', x);
  const y = map(x, D.relu);
  return record('relu', [x], y, (gy) => [grad(gy, y, D.reluBackward)], [y]);
}

/** 1/(1 + e^(−x)). Shape: any. */
export function sigmoid(x: Tensor): Tensor {
  floatInput('sigmoid', x);
  const y = map(x, D.sigmoid);
  return record('sigmoid', [x], y, (gy) => [grad(gy, y, D.sigmoidBackward)], [y]);
}

/** Hyperbolic tangent. Shape: any. */
export function tanh(x: Tensor): Tensor {
  floatInput('tanh', x);
  const y = map(x, D.tanh);
  return record('tanh', [x], y, (gy) => [grad(gy, y, D.tanhBackward)], [y]);
}

/** x for x > 0, negativeSlope·x otherwise (F.leaky_relu, default slope 0.01); the gradient at 0 is the slope. Shape: any. */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  floatInput('leakyRelu', x);
  if (!Number.isFinite(negativeSlope)) throw new ConfigError('leakyRelu', `negativeSlope must be a finite number, got ${negativeSlope}`);
  const y = map(x, (out, v) => D.leakyRelu(out, v, negativeSlope));
  return record('leakyRelu', [x], y, (gy) => [grad(gy, x, (gx, g, v) => D.leakyReluBackward(gx, g, v, negativeSlope))], [x]);
}

/** x·σ(x), the sigmoid linear unit (F.silu, "swish"). Shape: any. */
export function silu(x: Tensor): Tensor {
  floatInput('silu', x);
  const y = map(x, D.silu);
  return record('silu', [x], y, (gy) => [grad(gy, x, D.siluBackward)], [x]);
}
