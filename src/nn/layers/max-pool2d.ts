/** MaxPool2d: max over kH×kW windows; stride defaults to the kernel size, as torch.nn.MaxPool2d. */
import type { Tensor } from '../../tensor/tensor.js';
import { maxPool2d } from '../../ops/index.js';
import { Module } from '../module.js';

type Pair = number | readonly [number, number];

export class MaxPool2d extends Module {
  constructor(
    readonly kernelSize: Pair,
    readonly options: { stride?: Pair; padding?: Pair } = {},
  ) {
    super();
  }

  /** Shape: [N, C, H, W] → [N, C, floor((H + 2p − k)/s) + 1, ...]. */
  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.kernelSize, { stride: this.options.stride ?? this.kernelSize, padding: this.options.padding ?? 0 });
  }
}
