/** GELU layer: y = x·Φ(x) with the exact erf (PyTorch's default), or the tanh approximation. Shape: any → same. */
import type { Tensor } from '../../tensor/tensor.js';
import { gelu } from '../../ops/index.js';
import { Module } from '../module.js';

export class GELU extends Module {
  constructor(readonly approximate: 'none' | 'tanh' = 'none') {
    super();
  }

  forward(x: Tensor): Tensor {
    return gelu(x, { approximate: this.approximate });
  }
}
