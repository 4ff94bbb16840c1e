/**
 * Element-wise activation kernels, forward and backward. Work unit: elements [lo, hi) (all outputs disjoint).
 * Values are computed in double and stored in the output's type (float32 or float64).
 *
 *   gelu        y = x·Φ(x),  Φ(x) = ½·erfc(−x/√2) = ½·(1 + erf(x/√2))     y' = Φ(x) + x·φ(x),  φ(x) = e^(−x²/2)/√(2π)
 *   gelu tanh   y = ½x·(1 + tanh u),  u = √(2/π)·(x + 0.044715x³)       y' = ½(1 + tanh u) + ½x·(1 − tanh²u)·√(2/π)·(1 + 3·0.044715x²)
 *   relu        y = max(x, 0)                                          y' = [y > 0]   (0 at x = 0, as PyTorch)
 *   sigmoid     y = 1/(1 + e^(−x))                                     y' = y(1 − y)
 *   tanh        y = tanh x                                             y' = 1 − y²
 *   leaky relu  y = x for x > 0, a·x otherwise (a = negative slope)    y' = 1 for x > 0, a otherwise (a at 0, as PyTorch)
 *   silu        y = x·σ(x),  σ(x) = 1/(1 + e^(−x))                     y' = σ(x)·(1 + x·(1 − σ(x)))
 */
import type { FloatArray } from '../tensor/dtype.js';
import { erfc } from '../tensor/erf.js';

const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 0.3989422804014327; // 1/√(2π)
const SQRT_2_OVER_PI = 0.7978845608028654; // √(2/π)
const KAPPA = 0.044715;

/**
 * Exact GELU on [lo, hi). Running a whole array on the worker pool (this loop on every thread, same bits) or on the
 * WebAssembly kernel is decided in src/backend/dispatch/activations.ts.
 */
export function geluForward(y: FloatArray, x: FloatArray, lo = 0, hi = x.length): void {
  for (let i = lo; i < hi; i++) {
    const v = x[i];
    y[i] = v * 0.5 * erfc(-v * SQRT1_2);
  }
}

/** Exact GELU gradient on [lo, hi) (dispatch as geluForward). */
export function geluBackward(gx: FloatArray, gy: FloatArray, x: FloatArray, lo = 0, hi = x.length): void {
  for (let i = lo; i < hi; i++) {
    const v = x[i];
    const cdf = 0.5 * erfc(-v * SQRT1_2);
    const pdf = Math.exp(-0.5 * v * v) * INV_SQRT_2PI;
    gx[i] = gy[i] * (cdf + v * pdf);
  }
}

/** The loops under the names the pool's kernel list and its tests use. */
export const geluForwardRange = geluForward;
export const geluBackwardRange = geluBackward;

export function geluTanhForward(y: FloatArray, x: FloatArray, lo = 0, hi = x.length): void {
  for (let i = lo; i < hi; i++) {
    const v = x[i];
    y[i] = 0.5 * v * (1 + Math.tanh(SQRT_2_OVER_PI * (v + KAPPA * v * v * v)));
  }
}

export function geluTanhBackward(gx: FloatArray, gy: FloatArray, x: FloatArray, lo = 0, hi = x.length): void {
  for (let i = lo; i < hi; i++) {
    const v = x[i];
    const v2 = v * v;
    const t = Math.tanh(SQRT_2_OVER_PI * (v + KAPPA * v2 * v));
    const left = 0.5 * (1 + t);
    const right = 0.5 * v * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * KAPPA * v2);
    gx[i] = gy[i] * (left + right);
  }
}

/** max(x, 0); NaN stays NaN, as PyTorch's clamp_min. */
export function reluForward(y: FloatArray, x: FloatArray, lo = 0, hi = x.length): void {
  for (let i = lo; i < hi; i++) {
    const v = x[i];
    y[i] = v > 0 || v !== v ? v : 0;
  }
}

/** gx = gy where y > 0, else 0 (PyTorch's threshold_backward on the output). */
export function reluBackward(gx: FloatArray, gy: FloatArray, y: FloatArray, lo = 0, hi = y.length): void {
  for (let i = lo; i < hi; i++) gx[i] = y[i] > 0 ? gy[i] : 0;
}

export function sigmoidForward(y: FloatArray, x: FloatArray, lo = 0, hi = x.length): void {
  for (let i = lo; i < hi; i++) y[i] = 1 / (1 + Math.exp(-x[i]));
}

export function sigmoidBackward(gx: FloatArray, gy: FloatArray, y: FloatArray, lo = 0, hi = y.length): void {
  for (let i = lo; i < hi; i++) {
    const s = y[i];
    gx[i] = gy[i] * (1 - s) * s;
  }
}

export function tanhForward(y: FloatArray, x: FloatArray, lo = 0, hi = x.length): void {
  for (let i = lo; i < hi; i++) y[i] = Math.tanh(x[i]);
}

export function tanhBackward(gx: FloatArray, gy: FloatArray, y: FloatArray, lo = 0, hi = y.length): void {
  for (let i = lo; i < hi; i++) {
    const t = y[i];
    gx[i] = gy[i] * (1 - t * t);
  }
}

/** x where x > 0, else slope·x (NaN stays NaN). */
export function leakyReluForward(y: FloatArray, x: FloatArray, slope: number, lo = 0, hi = x.length): void {
  for (let i = lo; i < hi; i++) {
    const v = x[i];
    y[i] = v > 0 ? v : v * slope;
  }
}

/** gx = gy where x > 0, else slope·gy (PyTorch's leaky_relu_backward, on the input). */
export function leakyReluBackward(gx: FloatArray, gy: FloatArray, x: FloatArray, slope: number, lo = 0, hi = x.length): void {
  for (let i = lo; i < hi; i++) gx[i] = x[i] > 0 ? gy[i] : gy[i] * slope;
}

export function siluForward(y: FloatArray, x: FloatArray, lo = 0, hi = x.length): void {
  for (let i = lo; i < hi; i++) {
    const v = x[i];
    y[i] = v / (1 + Math.exp(-v));
  }
}

export function siluBackward(gx: FloatArray, gy: FloatArray, x: FloatArray, lo = 0, hi = x.length): void {
  for (let i = lo; i < hi; i++) {
    const v = x[i], s = 1 / (1 + Math.exp(-v));
    gx[i] = gy[i] * s * (1 + v * (1 - s));
  }
}
