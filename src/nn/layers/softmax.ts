/** Softmax layer (torch.nn.Softmax(dim)): exp(x) / Σ exp(x) along `dim` (negative counts from the end). Shape: any → same. */
import type { Tensor } from '../../tensor/tensor.js';
import { softmax } from '../../ops/index.js';
import { Module } from '../module.js';

export class Softmax extends Module {
  constructor(readonly dim: number) {
    super();
  }

  forward(x: Tensor): Tensor {
    return softmax(x, this.dim);
  }
}
