/** Sigmoid layer: y = 1 / (1 + e^−x). Shape: any → same. */
import type { Tensor } from '../../tensor/tensor.js';
import { sigmoid } from '../../ops/index.js';
import { Module } from '../module.js';

export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}
