/**
 * AMSE(dim, dilation): the encoder/decoder block: y = GELU(x + FFN(BN2(Attention(BN1(x))))) — one residual,
 * the activation after the add. Shape: [N, dim, H, W] → [N, dim, H, W].
 */
import type { Tensor } from '../../tensor/tensor.js';
import type { Generator } from '../../tensor/rng.js';
import { add } from '../../ops/index.js';
import { Module } from '../../nn/module.js';
import { BatchNorm2d } from '../../nn/layers/batch-norm2d.js';
import { GELU } from '../../nn/layers/gelu.js';
import { Attention } from './attention.js';
import { FFN } from './ffn.js';

export class AMSE extends Module {
  readonly bn1: BatchNorm2d;
  readonly attn: Attention;
  readonly bn2: BatchNorm2d;
  readonly ffn: FFN;
  readonly act: GELU;

  constructor(dim: number, dilation: number, generator?: Generator) {
    super();
    this.bn1 = this.child('bn1', new BatchNorm2d(dim));
    this.attn = this.child('attn', new Attention(dim, dilation, generator));
    this.bn2 = this.child('bn2', new BatchNorm2d(dim));
    this.ffn = this.child('ffn', new FFN(dim, generator));
    this.act = this.child('act', new GELU());
  }

  forward(x: Tensor): Tensor {
    const h = this.ffn.forward(this.bn2.forward(this.attn.forward(this.bn1.forward(x))));
    return this.act.forward(add(x, h));
  }
}
