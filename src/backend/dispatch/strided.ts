/**
 * Which implementation runs the strided copies behind permute, expand, slice and cat (the loops are in
 * src/kernels/strided.ts):
 *   float arrays both already in the shared heap, more than one thread, big enough
 *                  the loop over the pool by rows (parallel/js-pooled.ts runStridedJs): the same copies
 *   otherwise      the loop, this thread
 */
import { type TypedArray, isFloatArray } from '../../tensor/dtype.js';
import type { Shape } from '../../tensor/shape.js';
import { gatherStrided as gatherLoop, scatterStrided as scatterLoop } from '../../kernels/strided.js';
import { runStridedJs } from '../parallel/js-pooled.js';


/** out[i] = x[view(i)] (see kernels/strided.ts). */
export function gatherStrided(out: TypedArray, x: TypedArray, offset: number, strides: readonly number[], shape: Shape): void {
  if (!(isFloatArray(out) && isFloatArray(x) && runStridedJs(false, out, x, offset, strides, shape))) gatherLoop(out, x, offset, strides, shape);
}

/** out[view(i)] = x[i]. */
export function scatterStrided(out: TypedArray, x: TypedArray, offset: number, strides: readonly number[], shape: Shape): void {
  if (!(isFloatArray(out) && isFloatArray(x) && runStridedJs(true, out, x, offset, strides, shape))) scatterLoop(out, x, offset, strides, shape);
}
