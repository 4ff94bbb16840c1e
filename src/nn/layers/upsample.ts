/**
 * Upsample: resize by a scale factor or to a size, 'nearest' or 'bilinear' (as torch.nn.Upsample; no parameters).
 * With alignCorners the corner pixels of input and output coincide: src = dst·(in − 1)/(out − 1).
 * Shape: [N, C, H, W] → [N, C, H_out, W_out], H_out = size or floor(H·scaleFactor).
 */
import type { Tensor } from '../../tensor/tensor.js';
import { ConfigError } from '../../tensor/errors.js';
import { interpolate } from '../../ops/index.js';
import { Module } from '../module.js';

export interface UpsampleOptions {
  scaleFactor?: number | readonly [number, number];
  size?: number | readonly [number, number];
  mode?: 'nearest' | 'bilinear';
  alignCorners?: boolean;
}

export class Upsample extends Module {
  constructor(readonly options: UpsampleOptions) {
    super();
    if ((options.scaleFactor === undefined) === (options.size === undefined)) {
      throw new ConfigError('Upsample', 'give exactly one of scaleFactor and size');
    }
  }

  forward(x: Tensor): Tensor {
    const { scaleFactor, size, mode = 'nearest', alignCorners } = this.options;
    return interpolate(x, { scaleFactor, size, mode, alignCorners });
  }
}
