/** Identity layer: returns its input unchanged (a placeholder where a block is optional). */
import type { Tensor } from '../../tensor/tensor.js';
import { Module } from '../module.js';

export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}
