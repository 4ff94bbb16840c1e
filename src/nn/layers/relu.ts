/** ReLU layer: y = max(x, 0), with ReLU'(0) = 0 as PyTorch. Shape: any → same. */
import type { Tensor } from '../../tensor/tensor.js';
import { relu } from '../../ops/index.js';
import { Module } from '../module.js';

export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}
