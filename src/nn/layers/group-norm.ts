/**
 * GroupNorm, as torch.nn.GroupNorm(num_groups, num_channels, eps, affine): parameters weight (γ, init 1) and
 * bias (β, init 0) when affine; no buffers, the same computation in train and eval mode (ops/group-norm.ts).
 * Shape: [N, C, *] → the same.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { zeros, ones } from '../../tensor/create.js';
import { ConfigError } from '../../tensor/errors.js';
import { groupNorm } from '../../ops/index.js';
import { Module } from '../module.js';

export interface GroupNormLayerOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** Learnable per-channel γ and β (default true). */
  affine?: boolean;
}

export class GroupNorm extends Module {
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly eps: number;

  constructor(
    readonly numGroups: number,
    readonly numChannels: number,
    o: GroupNormLayerOptions = {},
  ) {
    super();
    for (const [name, v] of [['numGroups', numGroups], ['numChannels', numChannels]] as const) {
      if (!(Number.isInteger(v) && v > 0)) throw new ConfigError('GroupNorm', `${name} must be a positive integer, got ${v}`);
    }
    if (numChannels % numGroups !== 0) {
      throw new ConfigError('GroupNorm', `numChannels (${numChannels}) must be divisible by numGroups (${numGroups})`);
    }
    this.eps = o.eps ?? 1e-5;
    const affine = o.affine ?? true;
    this.weight = affine ? this.param('weight', ones([numChannels])) : null;
    this.bias = affine ? this.param('bias', zeros([numChannels])) : null;
  }

  forward(x: Tensor): Tensor {
    return groupNorm(x, this.numGroups, this.weight, this.bias, { eps: this.eps });
  }
}
