/** Tanh layer (torch.nn.Tanh). Shape: any → same. */
import type { Tensor } from '../../tensor/tensor.js';
import { tanh } from '../../ops/index.js';
import { Module } from '../module.js';

export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return tanh(x);
  }
}
