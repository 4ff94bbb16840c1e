/** LeakyReLU layer (torch.nn.LeakyReLU): x for x > 0, negativeSlope·x otherwise (default 0.01). Shape: any → same. */
import type { Tensor } from '../../tensor/tensor.js';
import { leakyRelu } from '../../ops/index.js';
import { Module } from '../module.js';

export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
  }

  forward(x: Tensor): Tensor {
    return leakyRelu(x, this.negativeSlope);
  }
}
