/**
 * ConvTranspose2d: the adjoint of a Conv2d (a "fractionally strided" conv), weight [Cin, Cout/groups, kH, kW]
 * and optional bias [Cout], as torch.nn.ConvTranspose2d. PyTorch's default init computes fan_in from this
 * layout, i.e. fan_in = Cout/groups·kH·kW (weight.shape[1]·kH·kW); we do the same.
 * Shape: input [N, Cin, H, W] → output [N, Cout, H_out, W_out],
 *   H_out = (H − 1)·sH − 2·pH + dH·(kH − 1) + outputPaddingH + 1   (same for W).
 */
import { Tensor } from '../../tensor/tensor.js';
import { zeros } from '../../tensor/create.js';
import type { Generator } from '../../tensor/rng.js';
import { convTranspose2d, type ConvTranspose2dOptions } from '../../ops/index.js';
import type { Pair } from '../../ops/conv-geometry.js';
import { Module } from '../module.js';
import { resetLinearLike } from '../init.js';
import { checkChannels, kernelPair } from './conv2d.js';

export interface ConvTranspose2dLayerOptions extends ConvTranspose2dOptions {
  bias?: boolean;
  generator?: Generator;
}

export class ConvTranspose2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly kernelSize: [number, number];
  readonly options: ConvTranspose2dOptions;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: Pair,
    o: ConvTranspose2dLayerOptions = {},
  ) {
    super();
    const groups = o.groups ?? 1;
    checkChannels('ConvTranspose2d', inChannels, outChannels, groups);
    this.kernelSize = kernelPair('ConvTranspose2d', kernelSize);
    this.options = { stride: o.stride ?? 1, padding: o.padding ?? 0, outputPadding: o.outputPadding ?? 0, groups, dilation: o.dilation ?? 1 };
    const [kH, kW] = this.kernelSize;
    this.weight = this.param('weight', zeros([inChannels, outChannels / groups, kH, kW]));
    this.bias = o.bias ?? true ? this.param('bias', zeros([outChannels])) : null;
    resetLinearLike(this.weight, this.bias, o.generator);
  }

  forward(x: Tensor): Tensor {
    return convTranspose2d(x, this.weight, this.bias, this.options);
  }
}
