/**
 * Dropout (inverted): in train mode each element is zeroed with probability p and the survivors are scaled by
 * 1/(1 − p), so the expected value is unchanged and eval mode is the identity. The mask comes from a seeded
 * generator (default: the global one), so a run is reproducible.
 */
import { Tensor } from '../../tensor/tensor.js';
import { allocArray } from '../../tensor/dtype.js';
import { ConfigError } from '../../tensor/errors.js';
import { type Generator, defaultGenerator } from '../../tensor/rng.js';
import { mul } from '../../ops/index.js';
import { Module } from '../module.js';

export class Dropout extends Module {
  readonly generator: Generator;

  constructor(
    readonly p = 0.5,
    options: { generator?: Generator } = {},
  ) {
    super();
    if (!(p >= 0 && p <= 1)) throw new ConfigError('Dropout', `p must be in [0, 1], got ${p}`);
    this.generator = options.generator ?? defaultGenerator;
  }

  forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return x;
    const mask = allocArray(x.dtype, x.size);
    const scale = this.p === 1 ? 0 : 1 / (1 - this.p);
    for (let i = 0; i < mask.length; i++) mask[i] = this.generator.uniform() >= this.p ? scale : 0;
    return mul(x, new Tensor(mask, x.shape));
  }
}
