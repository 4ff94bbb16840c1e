/**
 * AvgPool2d: mean over kH×kW windows, as torch.nn.AvgPool2d (stride defaults to the kernel size; padding counts
 * in the divisor unless countIncludePad is false; ceilMode for the output size).
 */
import type { Tensor } from '../../tensor/tensor.js';
import { avgPool2d, type AvgPool2dOptions } from '../../ops/index.js';
import { Module } from '../module.js';

type Pair = number | readonly [number, number];

export class AvgPool2d extends Module {
  constructor(
    readonly kernelSize: Pair,
    readonly options: AvgPool2dOptions = {},
  ) {
    super();
  }

  /** Shape: [N, C, H, W] → [N, C, floor((H + 2p − k)/s) + 1, ...]. */
  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.kernelSize, this.options);
  }
}
