/**
 * Which implementation runs element-wise arithmetic (the loops are in src/kernels/broadcast-arith.ts and add-n.ts).
 * "heap" below: float32 on the wasm backend, called on the main thread, with the output and every full-size input
 * already views of the shared heap (wasm/elementwise-run.ts says why copies in and out would not pay).
 *
 *   arith(out, a, sa, b, sb, shape, op)    out = a (op) b with broadcast strides
 *     heap                                 wasm SIMD over the pool (wasm/arith.ts; small gates copied in), same bits
 *     otherwise                            arithBroadcast, this thread
 *   mulSumTo(out, so, g, x, gShape)        a broadcast factor's gradient Σ g·x
 *     heap, a per-channel or [N,1,H,W] factor    wasm row / column dot products over the pool, same bits
 *     otherwise                            mulSumTo, this thread
 *   mulGrads(ga, gb, gy, a, b)             ga = gy·b, gb = gy·a (same shapes)
 *     heap                                 two wasm multiplies over the pool, same bits
 *     otherwise                            mulGradsSame, this thread
 *   addN(out, xs)                          ((x0 + x1) + x2) + …
 *     heap                                 wasm over the pool, same bits
 *     otherwise                            addNKernel, this thread
 *   addInto(a, b)                          a += b (the engine's gradient accumulation)
 *     heap                                 the wasm addN with a as its output, over the pool: one float32 addition
 *                                          per element (the loop's double sum of two floats rounds to the same), same bits
 *     float, both in the heap, big, >1 thread    the js loop split over the pool (parallel/js-pooled.ts), same bits
 *     otherwise                            addIntoKernel, this thread
 *   addTo(out, a, b)                       out = a + b into a fresh array (a gradient sum that cannot add in place)
 *     heap                                 the wasm addN over the pool: one pass, where a copy of a and addInto made
 *                                          two (three with the fresh array's zero fill), same bits
 *     otherwise                            out.set(a), then addInto's rungs
 */
import { type TypedArray, isFloatArray } from '../../tensor/dtype.js';
import type { Shape } from '../../tensor/shape.js';
import { type ArithOp, MUL, arithBroadcast, mulGradsSame, mulSumTo as mulSumToLoop } from '../../kernels/broadcast-arith.js';
import { addIntoKernel, addNKernel } from '../../kernels/add-n.js';
import { addNWasm, arithWasm, mulSumToWasm } from '../wasm/arith.js';
import { addIntoPooled } from '../parallel/js-pooled.js';

export function arith(out: TypedArray, a: TypedArray, sa: readonly number[], b: TypedArray, sb: readonly number[], shape: Shape, op: ArithOp): void {
  if (!arithWasm(out, a, sa, b, sb, shape, op)) arithBroadcast(out, a, sa, b, sb, shape, op);
}

export function mulSumTo(out: TypedArray, so: readonly number[], g: TypedArray, x: TypedArray, gShape: Shape): void {
  if (!mulSumToWasm(out, so, g, x, gShape)) mulSumToLoop(out, so, g, x, gShape);
}

/** `strides` are gy's own (contiguous) strides. */
export function mulGrads(ga: TypedArray, gb: TypedArray, gy: TypedArray, a: TypedArray, b: TypedArray, shape: Shape, strides: readonly number[]): void {
  const wasm = arithWasm(ga, gy, strides, b, strides, shape, MUL) && arithWasm(gb, gy, strides, a, strides, shape, MUL);
  if (!wasm) mulGradsSame(ga, gb, gy, a, b);
}

export function addN(out: TypedArray, xs: readonly TypedArray[]): void {
  if (!addNWasm(out, xs)) addNKernel(out, xs, 0, out.length);
}

export function addInto(a: TypedArray, b: TypedArray): void {
  if (a.length === b.length && addNWasm(a, [a, b])) return;
  if (isFloatArray(a) && addIntoPooled(a, b as typeof a)) return;
  addIntoKernel(a, b);
}

export function addTo(out: TypedArray, a: TypedArray, b: TypedArray): void {
  if (out.length === a.length && a.length === b.length && addNWasm(out, [a, b])) return;
  out.set(a);
  addInto(out, b);
}
