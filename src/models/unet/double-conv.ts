/**
 * DoubleConv(in, out, mid = out): (3x3 conv without bias → BatchNorm → ReLU) twice, a Sequential with children
 * 0..5 as in the classic PyTorch U-Net (WZMIAOMIAO's unet.py, which the AMSUnet training code comes from).
 * Shape: [N, in, H, W] → [N, out, H, W].
 */
import type { Generator } from '../../tensor/rng.js';
import { Sequential } from '../../nn/layers/sequential.js';
import { Conv2d } from '../../nn/layers/conv2d.js';
import { BatchNorm2d } from '../../nn/layers/batch-norm2d.js';
import { ReLU } from '../../nn/layers/relu.js';

export class DoubleConv extends Sequential {
  constructor(inChannels: number, outChannels: number, midChannels = outChannels, generator?: Generator) {
    super(
      new Conv2d(inChannels, midChannels, 3, { padding: 1, bias: false, generator }),
      new BatchNorm2d(midChannels),
      new ReLU(),
      new Conv2d(midChannels, outChannels, 3, { padding: 1, bias: false, generator }),
      new BatchNorm2d(outChannels),
      new ReLU(),
    );
  }
}
