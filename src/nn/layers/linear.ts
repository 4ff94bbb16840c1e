/**
 * Linear: y = x·Wᵀ + b with weight [out, in] and bias [out], as torch.nn.Linear; init U(±1/√in) for both.
 * Shape: [..., in] → [..., out].
 */
import { Tensor } from '../../tensor/tensor.js';
import { zeros } from '../../tensor/create.js';
import { ConfigError } from '../../tensor/errors.js';
import type { Generator } from '../../tensor/rng.js';
import { add, matmul, transpose } from '../../ops/index.js';
import { Module } from '../module.js';
import { resetLinearLike } from '../init.js';

export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: { bias?: boolean; generator?: Generator } = {},
  ) {
    super();
    for (const [name, v] of [['inFeatures', inFeatures], ['outFeatures', outFeatures]] as const) {
      if (!(Number.isInteger(v) && v > 0)) throw new ConfigError('Linear', `${name} must be a positive integer, got ${v}`);
    }
    this.weight = this.param('weight', zeros([outFeatures, inFeatures]));
    this.bias = options.bias ?? true ? this.param('bias', zeros([outFeatures])) : null;
    resetLinearLike(this.weight, this.bias, options.generator);
  }

  forward(x: Tensor): Tensor {
    const y = matmul(x, transpose(this.weight, 0, 1));
    return this.bias ? add(y, this.bias) : y;
  }
}
