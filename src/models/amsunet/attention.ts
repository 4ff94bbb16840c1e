/**
 * Attention(d, dilation): 1x1 conv → GELU → AMS → 1x1 conv (no residual inside; AMSE adds it).
 * Shape: [N, d, H, W] → [N, d, H, W].
 */
import type { Tensor } from '../../tensor/tensor.js';
import type { Generator } from '../../tensor/rng.js';
import { Module } from '../../nn/module.js';
import { forwardChain } from '../../autograd/lifetimes.js';
import { Conv2d } from '../../nn/layers/conv2d.js';
import { GELU } from '../../nn/layers/gelu.js';
import { AMS } from './ams.js';

export class Attention extends Module {
  readonly conv1: Conv2d;
  readonly act: GELU;
  readonly ams: AMS;
  readonly conv2: Conv2d;

  constructor(d: number, dilation: number, generator?: Generator) {
    super();
    this.conv1 = this.child('conv1', new Conv2d(d, d, 1, { generator }));
    this.act = this.child('act', new GELU());
    this.ams = this.child('ams', new AMS(d, dilation, generator));
    this.conv2 = this.child('conv2', new Conv2d(d, d, 1, { generator }));
  }

  forward(x: Tensor): Tensor {
    return forwardChain(x, [this.conv1, this.act, this.ams, this.conv2]); // conv2(ams(act(conv1(x))))
  }
}
