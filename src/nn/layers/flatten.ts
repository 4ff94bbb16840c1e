/**
 * Flatten layer (torch.nn.Flatten): merges dims startDim..endDim (defaults 1 and -1, so a batch [N, C, H, W]
 * becomes [N, C·H·W], unlike the functional flatten, whose default start is 0). Shape: [N, ...] → [N, ∏ ...].
 */
import type { Tensor } from '../../tensor/tensor.js';
import { flatten } from '../../ops/index.js';
import { Module } from '../module.js';

export class Flatten extends Module {
  constructor(
    readonly startDim = 1,
    readonly endDim = -1,
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    return flatten(x, this.startDim, this.endDim);
  }
}
