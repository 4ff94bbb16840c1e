/**
 * Which implementation runs the exact GELU (the loops are in src/kernels/activations.ts; the tanh approximation,
 * relu, sigmoid and tanh have only their loops, which the ops call directly).
 *
 * gelu(y, x) / geluBackward(gx, gy, x), whole arrays:
 *   wasm backend, float32, main thread   the generated WebAssembly SIMD kernel on every thread (wasm/gelu.ts; erf
 *                                        in float32 to 4e-7 absolute, so it agrees with the loop to that)
 *   otherwise                            geluJs / geluBackwardJs:
 *     one element type, big enough,     the loop split over the worker pool (parallel/js-pooled.ts, same bits)
 *     more than one thread
 *     otherwise                         the loop on this thread
 */
import type { FloatArray } from '../../tensor/dtype.js';
import * as K from '../../kernels/activations.js';
import { geluBackwardWasm, geluWasm } from '../wasm/gelu.js';
import { useWasmFor } from '../where.js';
import { runElementwiseJs } from '../parallel/js-pooled.js';

export function gelu(y: FloatArray, x: FloatArray): void {
  if (useWasmFor(x) && y instanceof Float32Array) geluWasm(y, x);
  else geluJs(y, x);
}

export function geluBackward(gx: FloatArray, gy: FloatArray, x: FloatArray): void {
  if (useWasmFor(x) && gy instanceof Float32Array && gx instanceof Float32Array) geluBackwardWasm(gx, gy, x);
  else geluBackwardJs(gx, gy, x);
}

/** The js path: the pool when worth it, else the loop (same bits either way). */
export function geluJs(y: FloatArray, x: FloatArray): void {
  if (!runElementwiseJs('gelu.js', y, [x])) K.geluForward(y, x);
}

export function geluBackwardJs(gx: FloatArray, gy: FloatArray, x: FloatArray): void {
  if (!runElementwiseJs('geluBackward.js', gx, [gy, x])) K.geluBackward(gx, gy, x);
}
