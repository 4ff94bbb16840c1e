/**
 * LayerNorm, as torch.nn.LayerNorm(normalized_shape, eps, elementwise_affine): parameters weight (γ, init 1) and
 * bias (β, init 0) shaped normalizedShape when elementwiseAffine; normalises the last dims (ops/layer-norm.ts),
 * the same in train and eval mode. Shape: [*, ...normalizedShape] → the same.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { zeros, ones } from '../../tensor/create.js';
import { ConfigError } from '../../tensor/errors.js';
import { layerNorm } from '../../ops/index.js';
import { Module } from '../module.js';

export interface LayerNormLayerOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** Learnable element-wise γ and β (default true). */
  elementwiseAffine?: boolean;
}

export class LayerNorm extends Module {
  readonly normalizedShape: readonly number[];
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly eps: number;

  constructor(normalizedShape: number | readonly number[], o: LayerNormLayerOptions = {}) {
    super();
    const shape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    if (shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d < 1)) {
      throw new ConfigError('LayerNorm', `normalizedShape must be a positive integer or a non-empty list of them, got ${JSON.stringify(normalizedShape)}`);
    }
    this.normalizedShape = shape;
    this.eps = o.eps ?? 1e-5;
    const affine = o.elementwiseAffine ?? true;
    this.weight = affine ? this.param('weight', ones(shape)) : null;
    this.bias = affine ? this.param('bias', zeros(shape)) : null;
  }

  forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape, this.weight, this.bias, { eps: this.eps });
  }
}
