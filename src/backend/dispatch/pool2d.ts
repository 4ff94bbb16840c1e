/**
 * Which implementation runs adaptive, max and average pooling (the loops: src/kernels/pool2d.ts; the ops:
 * src/ops/pool2d.ts).
 *
 *   more than one thread, main thread,   the loop over the worker pool by planes (parallel/js-pooled.ts): each plane
 *   one element type, two chunks or more written by the loop alone, so the same bits
 *   otherwise                            the loop on this thread
 *
 * (Global pooling in ChannelAttention reads every element of a full-resolution map: a pass worth splitting.)
 */
import type { FloatArray } from '../../tensor/dtype.js';
import * as K from '../../kernels/pool2d.js';
import { runAdaptiveAvgPoolJs, runPool2dJs } from '../parallel/js-pooled.js';

export function adaptiveAvgPool2dForward(y: FloatArray, x: FloatArray, g: K.AdaptiveGeom): void {
  if (!runAdaptiveAvgPoolJs('forward', y, x, g)) K.adaptiveAvgPool2dForward(y, x, g);
}

export function adaptiveAvgPool2dBackward(gx: FloatArray, gy: FloatArray, g: K.AdaptiveGeom): void {
  if (!runAdaptiveAvgPoolJs('backward', gx, gy, g)) K.adaptiveAvgPool2dBackward(gx, gy, g);
}

export function maxPool2dForward(y: FloatArray, argmax: Int32Array, x: FloatArray, g: K.PoolGeom): void {
  if (!runPool2dJs('maxForward', y, x, argmax, g)) K.maxPool2dForward(y, argmax, x, g);
}

export function maxPool2dBackward(gx: FloatArray, gy: FloatArray, argmax: Int32Array, g: K.PoolGeom): void {
  if (!runPool2dJs('maxBackward', gx, gy, argmax, g)) K.maxPool2dBackward(gx, gy, argmax, g);
}

export function avgPool2dForward(y: FloatArray, x: FloatArray, g: K.PoolGeom, countIncludePad: boolean): void {
  if (!runPool2dJs('avgForward', y, x, null, g, countIncludePad)) K.avgPool2dForward(y, x, g, countIncludePad);
}

export function avgPool2dBackward(gx: FloatArray, gy: FloatArray, g: K.PoolGeom, countIncludePad: boolean): void {
  if (!runPool2dJs('avgBackward', gx, gy, null, g, countIncludePad)) K.avgPool2dBackward(gx, gy, g, countIncludePad);
}
