/**
 * Which implementation runs the activations (the loops are in src/kernels/activations.ts; the tanh approximation of
 * GELU has only its loop, which the op calls directly).
 *
 * gelu(y, x) / geluBackward(gx, gy, x), whole arrays:
 *   wasm backend, float32, main thread   the generated WebAssembly SIMD kernel on every thread (wasm/gelu.ts; erf
 *                                        in float32 to 4e-7 absolute, so it agrees with the loop to that)
 *   otherwise                            geluJs / geluBackwardJs:
 *     one element type, big enough,     the loop split over the worker pool (parallel/js-pooled.ts, same bits)
 *     more than one thread
 *     otherwise                         the loop on this thread
 *
 * relu(y, x) / reluBackward(gx, gy, y):
 *   wasm backend, main thread, arrays in the heap   the generated max / mask kernels over the pool (wasm/relu.ts), same bits
 *   otherwise                                       as GELU's js path: the loop over the pool when worth it, else here
 * sigmoid, tanh, leaky relu, silu and their backward passes: the loop over the pool when worth it (Math.exp /
 * Math.tanh, same bits), else here
 */
import type { FloatArray } from '../../tensor/dtype.js';
import * as K from '../../kernels/activations.js';
import { geluBackwardWasm, geluWasm } from '../wasm/gelu.js';
import { useWasmFor } from '../where.js';
import { runElementwiseJs } from '../parallel/js-pooled.js';
import { reluBackwardWasm, reluWasm } from '../wasm/relu.js';

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

export function relu(y: FloatArray, x: FloatArray): void {
  if (!reluWasm(y, x) && !runElementwiseJs('relu.js', y, [x])) K.reluForward(y, x);
}

export function reluBackward(gx: FloatArray, gy: FloatArray, y: FloatArray): void {
  if (!reluBackwardWasm(gx, gy, y) && !runElementwiseJs('reluBackward.js', gx, [gy, y])) K.reluBackward(gx, gy, y);
}

export function sigmoid(y: FloatArray, x: FloatArray): void {
  if (!runElementwiseJs('sigmoid.js', y, [x])) K.sigmoidForward(y, x);
}

export function sigmoidBackward(gx: FloatArray, gy: FloatArray, y: FloatArray): void {
  if (!runElementwiseJs('sigmoidBackward.js', gx, [gy, y])) K.sigmoidBackward(gx, gy, y);
}

export function tanh(y: FloatArray, x: FloatArray): void {
  if (!runElementwiseJs('tanh.js', y, [x])) K.tanhForward(y, x);
}

export function tanhBackward(gx: FloatArray, gy: FloatArray, y: FloatArray): void {
  if (!runElementwiseJs('tanhBackward.js', gx, [gy, y])) K.tanhBackward(gx, gy, y);
}

export function leakyRelu(y: FloatArray, x: FloatArray, slope: number): void {
  if (!runElementwiseJs('leakyRelu.js', y, [x], [slope])) K.leakyReluForward(y, x, slope);
}

export function leakyReluBackward(gx: FloatArray, gy: FloatArray, x: FloatArray, slope: number): void {
  if (!runElementwiseJs('leakyReluBackward.js', gx, [gy, x], [slope])) K.leakyReluBackward(gx, gy, x, slope);
}

export function silu(y: FloatArray, x: FloatArray): void {
  if (!runElementwiseJs('silu.js', y, [x])) K.siluForward(y, x);
}

export function siluBackward(gx: FloatArray, gy: FloatArray, x: FloatArray): void {
  if (!runElementwiseJs('siluBackward.js', gx, [gy, x])) K.siluBackward(gx, gy, x);
}
