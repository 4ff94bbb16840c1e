/**
 * The classic U-Net baseline (Ronneberger et al. 2015) with BatchNorm, as the PyTorch unet.py that the AMSUnet
 * training code is built from (same module names: in_conv, down1..4, up1..4, out_conv), so users can compare
 * the two networks as the paper does. Default baseC 64.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { ConfigError, ShapeError } from '../../tensor/errors.js';
import type { Generator } from '../../tensor/rng.js';
import { Module } from '../../nn/module.js';
import { OutConv } from '../amsunet/out-conv.js';
import { DoubleConv } from './double-conv.js';
import { UNetDown } from './unet-down.js';
import { UNetUp } from './unet-up.js';

export interface UNetOptions {
  inChannels?: number;
  numClasses?: number;
  baseC?: number;
  bilinear?: boolean;
  generator?: Generator;
}

export class UNet extends Module {
  readonly inChannels: number;
  readonly inConv: DoubleConv;
  readonly down1: UNetDown;
  readonly down2: UNetDown;
  readonly down3: UNetDown;
  readonly down4: UNetDown;
  readonly up1: UNetUp;
  readonly up2: UNetUp;
  readonly up3: UNetUp;
  readonly up4: UNetUp;
  readonly outConv: OutConv;

  constructor(options: UNetOptions = {}) {
    super();
    const { inChannels = 3, numClasses = 2, baseC: C = 64, bilinear = true, generator: g } = options;
    for (const [name, v] of [['inChannels', inChannels], ['numClasses', numClasses], ['baseC', C]] as const) {
      if (!(Number.isInteger(v) && v > 0)) throw new ConfigError('UNet', `${name} must be a positive integer, got ${v}`);
    }
    if (bilinear && C % 2 !== 0) throw new ConfigError('UNet', `baseC must be even with bilinear upsampling, got ${C}`);
    this.inChannels = inChannels;
    const factor = bilinear ? 2 : 1;
    this.inConv = this.child('in_conv', new DoubleConv(inChannels, C, C, g));
    this.down1 = this.child('down1', new UNetDown(C, 2 * C, g));
    this.down2 = this.child('down2', new UNetDown(2 * C, 4 * C, g));
    this.down3 = this.child('down3', new UNetDown(4 * C, 8 * C, g));
    this.down4 = this.child('down4', new UNetDown(8 * C, (16 * C) / factor, g));
    this.up1 = this.child('up1', new UNetUp(16 * C, (8 * C) / factor, bilinear, g));
    this.up2 = this.child('up2', new UNetUp(8 * C, (4 * C) / factor, bilinear, g));
    this.up3 = this.child('up3', new UNetUp(4 * C, (2 * C) / factor, bilinear, g));
    this.up4 = this.child('up4', new UNetUp(2 * C, C, bilinear, g));
    this.outConv = this.child('out_conv', new OutConv(C, numClasses, g));
  }

  /** Shape: [N, inChannels, H, W] with H, W ≥ 16 → logits [N, numClasses, H, W]. */
  forward(x: Tensor): Tensor {
    if (x.ndim !== 4 || x.shape[1] !== this.inChannels || x.shape[2] < 16 || x.shape[3] < 16) {
      throw new ShapeError('UNet', `expected input [N, ${this.inChannels}, H, W] with H, W ≥ 16 (four 2x2 pools)`, { input: x.shape });
    }
    const x1 = this.inConv.forward(x); //   [N, C,  H,    W   ]
    const x2 = this.down1.forward(x1); //   [N, 2C, H/2,  W/2 ]
    const x3 = this.down2.forward(x2); //   [N, 4C, H/4,  W/4 ]
    const x4 = this.down3.forward(x3); //   [N, 8C, H/8,  W/8 ]
    const x5 = this.down4.forward(x4); //   [N, 8C, H/16, W/16] (16C without bilinear)
    let y = this.up1.forward(x5, x4); //    [N, 4C, H/8,  W/8 ]
    y = this.up2.forward(y, x3); //         [N, 2C, H/4,  W/4 ]
    y = this.up3.forward(y, x2); //         [N, C,  H/2,  W/2 ]
    y = this.up4.forward(y, x1); //         [N, C,  H,    W   ]
    return this.outConv.forward(y); //      [N, numClasses, H, W]
  }
}
