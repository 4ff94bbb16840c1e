/**
 * The loss kernels (src/kernels/losses.ts) on the worker pool, over pixels: each pixel's outputs are computed by the
 * same loop whichever chunk it falls in, so the bits are the single-thread loop's for any thread count. The sums
 * over pixels (the mean, the Dice statistics) stay with the caller, in pixel order.
 *
 * Each driver returns false, having done nothing, when the caller should run the loop itself: one thread, a worker
 * thread, or fewer than two chunks of work (jsPoolChunks.elementChunk logits). Operands that are not heap views are
 * staged; the int32 targets go in as their bits (a Float32Array over the same bytes: a same-type copy moves bytes).
 */
import type { FloatArray } from '../../tensor/dtype.js';
import type { LossGeom } from '../../kernels/losses.js';
import { getHeap, getPool } from '../runtime.js';
import { placeOut, poolPlan } from './js-pooled.js';

/** Class weights as float64 (the kernels' type for them), or null. */
const f64 = (w: FloatArray | null): Float64Array | null => (w === null || w instanceof Float64Array ? w : Float64Array.from(w));

/**
 * Run `kernel` over g's pixels with args [zBytes, z, target, N, C, S, ...rest(addr, outs)], then copy the outputs
 * back; `like` gives zBytes (the logits, or the gradient of the same type when the logits are not read); a null z or
 * target (one the kernel does not read) passes address 0.
 */
function runLoss(
  kernel: string, like: FloatArray, z: FloatArray | null, target: Int32Array | null, g: LossGeom, outs: FloatArray[],
  rest: (addr: (x: FloatArray | null) => number, outs: number[]) => number[],
): boolean {
  const pixels = g.N * g.S, p = poolPlan(pixels, pixels * g.C);
  if (!p) return false;
  const heap = getHeap();
  heap.resetStaging();
  const addr = (x: FloatArray | null): number => (x === null ? 0 : heap.place(x));
  const targetBits = target && new Float32Array(target.buffer, target.byteOffset, target.length);
  const head = [like.BYTES_PER_ELEMENT, addr(z), addr(targetBits), g.N, g.C, g.S];
  const placed = outs.map(placeOut);
  getPool().run(kernel, [...head, ...rest(addr, placed.map((o) => o.addr))], g.N * g.S, p);
  for (const o of placed) o.copyBack();
  return true;
}

export function crossEntropyForwardPooled(
  loss: Float64Array, weightOf: Float64Array, lse: Float64Array, z: FloatArray, target: Int32Array,
  weight: FloatArray | null, ignoreIndex: number, smoothing: number, g: LossGeom,
): boolean {
  return runLoss('crossEntropy.js', z, z, target, g, [loss, weightOf, lse], (addr, [l, w, s]) =>
    [l, w, s, addr(f64(weight)), ignoreIndex, smoothing]);
}

export function crossEntropyBackwardPooled(
  gz: FloatArray, z: FloatArray, target: Int32Array, weight: FloatArray | null, ignoreIndex: number, smoothing: number,
  lse: Float64Array, gyPixel: FloatArray | null, gyScale: number, g: LossGeom,
): boolean {
  if (gyPixel && gyPixel.BYTES_PER_ELEMENT !== z.BYTES_PER_ELEMENT) return false; // the kernel reads it as z's type
  return runLoss('crossEntropyBackward.js', z, z, target, g, [gz], (addr, [out]) =>
    [out, addr(f64(weight)), ignoreIndex, smoothing, addr(lse), addr(gyPixel), gyScale]);
}

export function softmaxProbsPooled(prob: Float64Array, z: FloatArray, g: LossGeom): boolean {
  return runLoss('softmaxProbs.js', z, z, null, g, [prob], (_, [out]) => [out]); // reads no target
}

export function diceBackwardPooled(
  gz: FloatArray, prob: Float64Array, target: Int32Array, ignoreIndex: number, A: Float64Array, B: Float64Array, k: number, g: LossGeom,
): boolean {
  return runLoss('diceBackward.js', gz, null, target, g, [gz], (addr, [out]) => [out, addr(prob), ignoreIndex, addr(A), addr(B), k]);
}
