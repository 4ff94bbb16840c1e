/** AdaptiveAvgPool2d: average over adaptive windows to a fixed output size (1 = global average pooling). */
import type { Tensor } from '../../tensor/tensor.js';
import { adaptiveAvgPool2d } from '../../ops/index.js';
import { Module } from '../module.js';

export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: number | readonly [number, number]) {
    super();
  }

  /** Shape: [N, C, H, W] → [N, C, outH, outW]. */
  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }
}
