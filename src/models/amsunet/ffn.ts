/**
 * FFN(d): the feed-forward part of AMSE: 1x1 conv d→4d, depth-wise 3x3 on 4d, GELU, 1x1 conv 4d→d
 * (no activation after the first conv). Shape: [N, d, H, W] → [N, d, H, W].
 */
import type { Tensor } from '../../tensor/tensor.js';
import type { Generator } from '../../tensor/rng.js';
import { Module } from '../../nn/module.js';
import { forwardChain } from '../../autograd/lifetimes.js';
import { isGradEnabled } from '../../autograd/grad-mode.js';
import { Conv2d } from '../../nn/layers/conv2d.js';
import { GELU } from '../../nn/layers/gelu.js';

export class FFN extends Module {
  readonly conv1: Conv2d;
  readonly conv2: Conv2d;
  readonly act: GELU;
  readonly conv3: Conv2d;

  constructor(d: number, generator?: Generator) {
    super();
    this.conv1 = this.child('conv1', new Conv2d(d, 4 * d, 1, { generator }));
    this.conv2 = this.child('conv2', new Conv2d(4 * d, 4 * d, 3, { padding: 1, groups: 4 * d, generator }));
    this.act = this.child('act', new GELU());
    this.conv3 = this.child('conv3', new Conv2d(4 * d, d, 1, { generator }));
  }

  forward(x: Tensor): Tensor {
    if (!isGradEnabled() && this.act.approximate === 'none') {
      // inference: the depth-wise conv and the GELU in one pass over the 4d-channel map (Conv2d.forwardGelu, same bits)
      return forwardChain(x, [this.conv1, { forward: (h: Tensor) => this.conv2.forwardGelu(h) }, this.conv3]);
    }
    return forwardChain(x, [this.conv1, this.conv2, this.act, this.conv3]); // conv3(act(conv2(conv1(x))))
  }
}
