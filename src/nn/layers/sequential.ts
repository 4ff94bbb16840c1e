/**
 * Sequential: children '0', '1', ... applied in order, as torch.nn.Sequential (so keys read `in_conv.0.weight`).
 * A PyTorch class that subclasses nn.Sequential is mirrored by extending this one.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { Module } from '../module.js';
import { forwardChain } from '../../autograd/lifetimes.js';

export class Sequential extends Module {
  readonly layers: readonly Module[];

  constructor(...layers: Module[]) {
    super();
    layers.forEach((m, i) => this.child(String(i), m));
    this.layers = layers;
  }

  get length(): number {
    return this.layers.length;
  }

  at(i: number): Module {
    return this.layers[i];
  }

  forward(x: Tensor): Tensor {
    return forwardChain(x, this.layers); // under inference each intermediate is released once the next layer ran
  }
}
