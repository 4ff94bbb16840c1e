/**
 * AMS(dim, dilation): the atrous multi-scale attention of the paper. All convs are depth-wise (groups = dim) but
 * the last. A 3x3 conv, then a dilated 3x3 (the only dilated conv; dilation 3 and 5 in down3/down4), then three
 * strip-conv pairs 1xk → kx1 (k = 5, 7, 11) on the dilated map; the five maps are summed, mixed by a 1x1 conv,
 * and used as an attention map on the block's input:
 *   a = conv(x);  b = conv0(a);  s_k = conv_k2(conv_k1(b));  y = conv3(a + b + s5 + s7 + s11) ⊙ x
 * Shape: [N, dim, H, W] → [N, dim, H, W].
 */
import type { Tensor } from '../../tensor/tensor.js';
import type { Generator } from '../../tensor/rng.js';
import { addN, mul } from '../../ops/index.js';
import { Module } from '../../nn/module.js';
import { forwardChain, releaseConsumed } from '../../autograd/lifetimes.js';
import { Conv2d } from '../../nn/layers/conv2d.js';

export class AMS extends Module {
  readonly conv: Conv2d;
  readonly conv0: Conv2d;
  readonly conv0_1: Conv2d;
  readonly conv0_2: Conv2d;
  readonly conv1_1: Conv2d;
  readonly conv1_2: Conv2d;
  readonly conv2_1: Conv2d;
  readonly conv2_2: Conv2d;
  readonly conv3: Conv2d;

  constructor(dim: number, dilation: number, generator?: Generator) {
    super();
    const dw = (kernelSize: [number, number], padding: [number, number], d = 1): Conv2d =>
      new Conv2d(dim, dim, kernelSize, { padding, dilation: d, groups: dim, generator });
    this.conv = this.child('conv', dw([3, 3], [1, 1]));
    this.conv0 = this.child('conv0', dw([3, 3], [dilation, dilation], dilation));
    this.conv0_1 = this.child('conv0_1', dw([1, 5], [0, 2]));
    this.conv0_2 = this.child('conv0_2', dw([5, 1], [2, 0]));
    this.conv1_1 = this.child('conv1_1', dw([1, 7], [0, 3]));
    this.conv1_2 = this.child('conv1_2', dw([7, 1], [3, 0]));
    this.conv2_1 = this.child('conv2_1', dw([1, 11], [0, 5]));
    this.conv2_2 = this.child('conv2_2', dw([11, 1], [5, 0]));
    this.conv3 = this.child('conv3', new Conv2d(dim, dim, 1, { generator }));
  }

  forward(x: Tensor): Tensor {
    const a = this.conv.forward(x); //                               3x3 local context
    const b = this.conv0.forward(a); //                              dilated 3x3
    const s5 = forwardChain(b, [this.conv0_1, this.conv0_2]); //     1x5 → 5x1
    const s7 = forwardChain(b, [this.conv1_1, this.conv1_2]); //     1x7 → 7x1
    const s11 = forwardChain(b, [this.conv2_1, this.conv2_2]); //    1x11 → 11x1
    const sum = addN([a, b, s5, s7, s11]); //                        ((((a + b) + s5) + s7) + s11), one pass
    releaseConsumed([a, b, s5, s7, s11]); //                         under inference: their memory serves what follows
    const attn = this.conv3.forward(sum);
    releaseConsumed([sum]);
    return mul(attn, x);
  }
}
