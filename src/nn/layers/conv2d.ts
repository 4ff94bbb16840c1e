/**
 * Conv2d: a 2-D convolution layer, weight [Cout, Cin/groups, kH, kW] and optional bias [Cout], as torch.nn.Conv2d.
 * Default init: U(±1/√fan_in) for both, fan_in = Cin/groups·kH·kW (see init.ts).
 * Shape: input [N, Cin, H, W] → output [N, Cout, H_out, W_out],
 *   H_out = floor((H + 2·pH − dH·(kH − 1) − 1) / sH) + 1   (same for W).
 */
import { Tensor } from '../../tensor/tensor.js';
import { zeros } from '../../tensor/create.js';
import { ConfigError } from '../../tensor/errors.js';
import type { Generator } from '../../tensor/rng.js';
import { conv2d, type Conv2dOptions, type PaddingMode } from '../../ops/index.js';
import type { Pair } from '../../ops/conv-geometry.js';
import { Module } from '../module.js';
import { resetLinearLike } from '../init.js';
import { foldedConvParams } from '../fuse-batchnorm.js';
import { conv2dGelu } from '../../ops/conv2d.js';

export interface Conv2dLayerOptions {
  stride?: Pair;
  padding?: Pair | 'same' | 'valid';
  dilation?: Pair;
  groups?: number;
  bias?: boolean;
  paddingMode?: PaddingMode;
  /** Random stream for the initial weights (default: the global generator). */
  generator?: Generator;
}

/** [h, w] from a number or a pair, checked to be positive integers. */
export function kernelPair(op: string, k: Pair): [number, number] {
  const [h, w] = typeof k === 'number' ? [k, k] : k;
  if (!(Number.isInteger(h) && h > 0 && Number.isInteger(w) && w > 0)) {
    throw new ConfigError(op, `kernelSize must be a positive integer or a pair of them, got ${JSON.stringify(k)}`);
  }
  return [h, w];
}

/** Check the channel counts shared by Conv2d and ConvTranspose2d. */
export function checkChannels(op: string, cin: number, cout: number, groups: number): void {
  for (const [name, v] of [['inChannels', cin], ['outChannels', cout], ['groups', groups]] as const) {
    if (!(Number.isInteger(v) && v > 0)) throw new ConfigError(op, `${name} must be a positive integer, got ${v}`);
  }
  if (cin % groups !== 0) throw new ConfigError(op, `inChannels (${cin}) must be divisible by groups (${groups})`);
  if (cout % groups !== 0) throw new ConfigError(op, `outChannels (${cout}) must be divisible by groups (${groups})`);
}

export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly kernelSize: [number, number];
  readonly options: Conv2dOptions;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: Pair,
    o: Conv2dLayerOptions = {},
  ) {
    super();
    const groups = o.groups ?? 1;
    checkChannels('Conv2d', inChannels, outChannels, groups);
    this.kernelSize = kernelPair('Conv2d', kernelSize);
    this.options = { stride: o.stride ?? 1, padding: o.padding ?? 0, dilation: o.dilation ?? 1, groups, paddingMode: o.paddingMode ?? 'zeros' };
    const [kH, kW] = this.kernelSize;
    this.weight = this.param('weight', zeros([outChannels, inChannels / groups, kH, kW]));
    this.bias = o.bias ?? true ? this.param('bias', zeros([outChannels])) : null;
    resetLinearLike(this.weight, this.bias, o.generator);
  }

  forward(x: Tensor): Tensor {
    const folded = foldedConvParams(this); // a BatchNorm merged in, inside a model's folded eval forward
    return folded ? conv2d(x, folded.weight, folded.bias, this.options) : conv2d(x, this.weight, this.bias, this.options);
  }

  /** gelu(forward(x)) (exact GELU) in one pass where the backend can (ops/conv2d.ts conv2dGelu): same bits. */
  forwardGelu(x: Tensor): Tensor {
    const folded = foldedConvParams(this);
    return folded ? conv2dGelu(x, folded.weight, folded.bias, this.options) : conv2dGelu(x, this.weight, this.bias, this.options);
  }
}
