/** SiLU layer (torch.nn.SiLU, "swish"): y = x·σ(x). Shape: any → same. */
import type { Tensor } from '../../tensor/tensor.js';
import { silu } from '../../ops/index.js';
import { Module } from '../module.js';

export class SiLU extends Module {
  forward(x: Tensor): Tensor {
    return silu(x);
  }
}
