/**
 * AMSUnet (the official PyTorch code, github.com/llluochen/AMSUnet): a U-Net whose stages are AMSE blocks
 * (atrous multi-scale attention + FFN), with spatial and channel attention on the skip connections.
 * Module names are the official state_dict keys, so weights move between PyTorch and here unchanged.
 * forward returns the logits tensor (the official forward returns {"out": logits}).
 * With baseC = C: 2,619,898 parameters for C = 32, 3 input channels and 2 classes.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { ConfigError, ShapeError } from '../../tensor/errors.js';
import type { Generator } from '../../tensor/rng.js';
import { Module } from '../../nn/module.js';
import { Sequential } from '../../nn/layers/sequential.js';
import { Conv2d } from '../../nn/layers/conv2d.js';
import { BatchNorm2d } from '../../nn/layers/batch-norm2d.js';
import { GELU } from '../../nn/layers/gelu.js';
import { AMSE } from './amse.js';
import { Down } from './down.js';
import { Up } from './up.js';
import { OutConv } from './out-conv.js';
import { type BatchNormFold, withFoldedBatchNorm } from '../../nn/fuse-batchnorm.js';

export interface AMSUnetOptions {
  inChannels?: number;
  numClasses?: number;
  /** Channels of the first stage, C (32 in the paper); at least 4 (ChannelAttention needs C/4 ≥ 1). */
  baseC?: number;
  /** Bilinear upsampling in the decoder (the paper's model); false uses 2x2 transposed convs. */
  bilinear?: boolean;
  /** Random stream for the initial weights (default: the global generator, see manualSeed). */
  generator?: Generator;
}

export class AMSUnet extends Module {
  readonly inChannels: number;
  readonly numClasses: number;
  readonly baseC: number;
  readonly bilinear: boolean;
  readonly inConv: Sequential;
  readonly down1: Down;
  readonly down2: Down;
  readonly down3: Down;
  readonly down4: Down;
  readonly up1: Up;
  readonly up2: Up;
  readonly up3: Up;
  readonly up4: Up;
  readonly outConv: OutConv;
  /** batchNormFolds(), listed on the first forward */
  private folds: BatchNormFold[] | null = null;

  constructor(options: AMSUnetOptions = {}) {
    super();
    const { inChannels = 3, numClasses = 2, baseC: C = 32, bilinear = true, generator: g } = options;
    for (const [name, v] of [['inChannels', inChannels], ['numClasses', numClasses], ['baseC', C]] as const) {
      if (!(Number.isInteger(v) && v > 0)) throw new ConfigError('AMSUnet', `${name} must be a positive integer, got ${v}`);
    }
    if (C < 4) {
      throw new ConfigError('AMSUnet', `baseC must be at least 4, got ${C} (ChannelAttention of the last decoder stage has baseC/4 channels; the official code fails with 0)`);
    }
    this.inChannels = inChannels;
    this.numClasses = numClasses;
    this.baseC = C;
    this.bilinear = bilinear;
    // With transposed-conv upsampling the bottleneck keeps 16C channels and each Up halves them itself.
    const factor = bilinear ? 2 : 1;
    this.inConv = this.child(
      'in_conv',
      new Sequential(
        new Conv2d(inChannels, C, 3, { padding: 1, paddingMode: 'reflect', generator: g }),
        new BatchNorm2d(C),
        new GELU(),
        new AMSE(C, 1, g),
      ),
    );
    this.down1 = this.child('down1', new Down(C, 2 * C, 1, g));
    this.down2 = this.child('down2', new Down(2 * C, 4 * C, 1, g));
    this.down3 = this.child('down3', new Down(4 * C, 8 * C, 3, g));
    this.down4 = this.child('down4', new Down(8 * C, (16 * C) / factor, 5, g));
    this.up1 = this.child('up1', new Up(16 * C, (8 * C) / factor, bilinear, g));
    this.up2 = this.child('up2', new Up(8 * C, (4 * C) / factor, bilinear, g));
    this.up3 = this.child('up3', new Up(4 * C, (2 * C) / factor, bilinear, g));
    this.up4 = this.child('up4', new Up(2 * C, C, bilinear, g));
    this.outConv = this.child('out_conv', new OutConv(C, numClasses, g));
  }

  /**
   * The BatchNorms merged into a conv in the eval forward without gradients (nn/fuse-batchnorm.ts): in_conv's BN
   * into the conv before it, each AMSE's bn2 into attn.conv2 before it and bn1 into attn.conv1 after it, each Down's
   * BN into its stride-2 conv after it. Up.norm stays (the bilinear upsampling and the pad sit between it and a conv).
   */
  batchNormFolds(): BatchNormFold[] {
    const [conv0, bn0] = [this.inConv.layers[0], this.inConv.layers[1]] as [Conv2d, BatchNorm2d];
    const folds: BatchNormFold[] = [{ bn: bn0, conv: conv0, side: 'after' }];
    for (const m of this.modules()) {
      if (m instanceof AMSE) {
        folds.push({ bn: m.bn1, conv: m.attn.conv1, side: 'before' }, { bn: m.bn2, conv: m.attn.conv2, side: 'after' });
      } else if (m instanceof Down) {
        folds.push({ bn: m.layers[0] as BatchNorm2d, conv: m.layers[1] as Conv2d, side: 'before' });
      }
    }
    return folds;
  }

  /** Shape: [N, inChannels, H, W] with H, W ≥ 16 → logits [N, numClasses, H, W]. */
  forward(x: Tensor): Tensor {
    this.folds ??= this.batchNormFolds();
    return withFoldedBatchNorm(this.folds, () => this.forwardLayers(x));
  }

  private forwardLayers(x: Tensor): Tensor {
    if (x.ndim !== 4 || x.shape[1] !== this.inChannels || x.shape[2] < 16 || x.shape[3] < 16) {
      throw new ShapeError('AMSUnet', `expected input [N, ${this.inChannels}, H, W] with H, W ≥ 16 (four stride-2 stages)`, { input: x.shape });
    }
    const x1 = this.inConv.forward(x); //    [N, C,  H,    W   ]
    const x2 = this.down1.forward(x1); //    [N, 2C, H/2,  W/2 ]   (floor at every stride-2 conv)
    const x3 = this.down2.forward(x2); //    [N, 4C, H/4,  W/4 ]
    const x4 = this.down3.forward(x3); //    [N, 8C, H/8,  W/8 ]   AMS dilation 3
    const x5 = this.down4.forward(x4); //    [N, 8C, H/16, W/16]   AMS dilation 5 (16C without bilinear)
    let y = this.up1.forward(x5, x4); //     [N, 4C, H/8,  W/8 ]   ← skip x4
    y = this.up2.forward(y, x3); //          [N, 2C, H/4,  W/4 ]   ← skip x3
    y = this.up3.forward(y, x2); //          [N, C,  H/2,  W/2 ]   ← skip x2
    y = this.up4.forward(y, x1); //          [N, C,  H,    W   ]   ← skip x1
    return this.outConv.forward(y); //       [N, numClasses, H, W] logits
  }
}
