/**
 * ChannelAttention(dim): a squeeze-and-excitation gate per channel,
 *   z = sigmoid(conv2(relu(conv1(mean_{H,W} x))));  y = x ⊙ z
 * conv1 is 1x1 dim → floor(dim/4), conv2 1x1 floor(dim/4) → dim. Shape: [N, dim, H, W] → [N, dim, H, W].
 */
import type { Tensor } from '../../tensor/tensor.js';
import { ConfigError } from '../../tensor/errors.js';
import type { Generator } from '../../tensor/rng.js';
import { mul } from '../../ops/index.js';
import { Module } from '../../nn/module.js';
import { Conv2d } from '../../nn/layers/conv2d.js';
import { AdaptiveAvgPool2d } from '../../nn/layers/adaptive-avg-pool2d.js';
import { ReLU } from '../../nn/layers/relu.js';
import { Sigmoid } from '../../nn/layers/sigmoid.js';

export class ChannelAttention extends Module {
  readonly globalAvgpool: AdaptiveAvgPool2d;
  readonly conv1: Conv2d;
  readonly relu: ReLU;
  readonly conv2: Conv2d;
  readonly sigmoid: Sigmoid;

  constructor(dim: number, generator?: Generator) {
    super();
    const hidden = Math.floor(dim / 4);
    if (hidden < 1) throw new ConfigError('ChannelAttention', `dim (${dim}) must be at least 4 so that dim/4 ≥ 1 channel`);
    this.globalAvgpool = this.child('global_avgpool', new AdaptiveAvgPool2d(1));
    this.conv1 = this.child('conv1', new Conv2d(dim, hidden, 1, { generator }));
    this.relu = this.child('relu', new ReLU());
    this.conv2 = this.child('conv2', new Conv2d(hidden, dim, 1, { generator }));
    this.sigmoid = this.child('sigmoid', new Sigmoid());
  }

  forward(x: Tensor): Tensor {
    const s = this.globalAvgpool.forward(x); //                          [N, dim, 1, 1]
    const z = this.sigmoid.forward(this.conv2.forward(this.relu.forward(this.conv1.forward(s))));
    return mul(x, z); //                                                 gate broadcast over H, W
  }
}
