/**
 * Which implementation runs adaptive average pooling (the loops: src/kernels/pool2d.ts; the op: src/ops/pool2d.ts).
 *
 *   more than one thread, main thread,   the loop over the worker pool by planes (parallel/js-pooled.ts): each plane
 *   one element type, two chunks or more written by the loop alone, so the same bits
 *   otherwise                            the loop on this thread
 *
 * (Global pooling in ChannelAttention reads every element of a full-resolution map: a pass worth splitting.)
 */
import type { FloatArray } from '../../tensor/dtype.js';
import * as K from '../../kernels/pool2d.js';
import { runAdaptiveAvgPoolJs } from '../parallel/js-pooled.js';

export function adaptiveAvgPool2dForward(y: FloatArray, x: FloatArray, g: K.AdaptiveGeom): void {
  if (!runAdaptiveAvgPoolJs('forward', y, x, g)) K.adaptiveAvgPool2dForward(y, x, g);
}

export function adaptiveAvgPool2dBackward(gx: FloatArray, gy: FloatArray, g: K.AdaptiveGeom): void {
  if (!runAdaptiveAvgPoolJs('backward', gx, gy, g)) K.adaptiveAvgPool2dBackward(gx, gy, g);
}
