/**
 * SpatialAttention(dim): a one-channel gate per pixel, y = x ⊙ sigmoid(squeeze(x)), squeeze = 1x1 conv dim → 1
 * without bias. Shape: [N, dim, H, W] → [N, dim, H, W].
 */
import type { Tensor } from '../../tensor/tensor.js';
import type { Generator } from '../../tensor/rng.js';
import { mul } from '../../ops/index.js';
import { Module } from '../../nn/module.js';
import { Conv2d } from '../../nn/layers/conv2d.js';
import { Sigmoid } from '../../nn/layers/sigmoid.js';

export class SpatialAttention extends Module {
  readonly squeeze: Conv2d;
  readonly sigmoid: Sigmoid;

  constructor(dim: number, generator?: Generator) {
    super();
    this.squeeze = this.child('squeeze', new Conv2d(dim, 1, 1, { bias: false, generator }));
    this.sigmoid = this.child('sigmoid', new Sigmoid());
  }

  forward(x: Tensor): Tensor {
    return mul(x, this.sigmoid.forward(this.squeeze.forward(x))); // [N, 1, H, W] gate broadcast over channels
  }
}
