/**
 * Which implementation runs the pads (the loops are in src/kernels/pad.ts):
 *   float input already a heap view, more than one thread, big enough
 *                  the loops over the pool, by output rows (constant) or planes (the gathers and their scatter-add)
 *                  (parallel/js-pooled.ts): the loops' bits
 *   otherwise      the loops, this thread
 */
import { type FloatArray, type TypedArray, isFloatArray } from '../../tensor/dtype.js';
import { padConstant as constantLoop, padGather as gatherLoop, padScatterAdd as scatterAddLoop } from '../../kernels/pad.js';
import { runPadConstantJs, runPadPlanesJs } from '../parallel/js-pooled.js';


export function padConstant(y: TypedArray, x: TypedArray, xShape: readonly number[], yShape: readonly number[], before: readonly number[], value: number): void {
  if (!(isFloatArray(y) && isFloatArray(x) && runPadConstantJs(y, x, xShape, yShape, before, value))) constantLoop(y, x, xShape, yShape, before, value);
}

export function padGather(y: TypedArray, x: TypedArray, idx: Int32Array, inPlane: number, planes: number): void {
  if (!(isFloatArray(y) && isFloatArray(x) && runPadPlanesJs('gather', y, x, idx, inPlane, planes))) gatherLoop(y, x, idx, inPlane, 0, planes);
}

export function padScatterAdd(gx: FloatArray, gy: TypedArray, idx: Int32Array, inPlane: number, planes: number): void {
  if (!(isFloatArray(gy) && runPadPlanesJs('scatterAdd', gx, gy, idx, inPlane, planes))) scatterAddLoop(gx, gy, idx, inPlane, 0, planes);
}
