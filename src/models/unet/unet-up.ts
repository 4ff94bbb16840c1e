/**
 * UNetUp(in, out): upsample the deeper map x1, pad it to the skip x2's size (extra row/column at the right/bottom),
 * concatenate [x2, x1] on channels and apply a DoubleConv.
 *   bilinear: Upsample x2 (align_corners) keeps x1's in/2 channels; DoubleConv(in, out, mid = in/2).
 *   else:     ConvTranspose2d(in, in/2, 2, stride 2) on x1 with `in` channels; DoubleConv(in, out).
 * Shape: x1 [N, in/2 or in, h, w], x2 [N, in/2, H, W] → [N, out, H, W].
 */
import type { Tensor } from '../../tensor/tensor.js';
import { ShapeError } from '../../tensor/errors.js';
import type { Generator } from '../../tensor/rng.js';
import { cat, pad } from '../../ops/index.js';
import { Module } from '../../nn/module.js';
import { Upsample } from '../../nn/layers/upsample.js';
import { ConvTranspose2d } from '../../nn/layers/conv-transpose2d.js';
import { DoubleConv } from './double-conv.js';

export class UNetUp extends Module {
  readonly up: Upsample | ConvTranspose2d;
  readonly conv: DoubleConv;

  constructor(inChannels: number, outChannels: number, bilinear = true, generator?: Generator) {
    super();
    const half = Math.floor(inChannels / 2);
    if (bilinear) {
      this.up = this.child('up', new Upsample({ scaleFactor: 2, mode: 'bilinear', alignCorners: true }));
      this.conv = this.child('conv', new DoubleConv(inChannels, outChannels, half, generator));
    } else {
      this.up = this.child('up', new ConvTranspose2d(inChannels, half, 2, { stride: 2, generator }));
      this.conv = this.child('conv', new DoubleConv(inChannels, outChannels, outChannels, generator));
    }
  }

  forward(x1: Tensor, x2: Tensor): Tensor {
    let u = this.up.forward(x1);
    const dy = x2.shape[2] - u.shape[2];
    const dx = x2.shape[3] - u.shape[3];
    if (dy < 0 || dx < 0) {
      throw new ShapeError('UNetUp', 'the upsampled map must not be larger than the skip connection', { upsampled: u.shape, skip: x2.shape });
    }
    if (dy || dx) u = pad(u, [dx >> 1, dx - (dx >> 1), dy >> 1, dy - (dy >> 1)]);
    return this.conv.forward(cat([x2, u], 1));
  }
}
