/**
 * Up(in, out): a decoder stage. x1 is the deeper map, x2 the skip from the encoder (in/2 channels).
 *   x1 = up(norm(x1))                                  bilinear x2 (align_corners) or a 2x2 stride-2 ConvTranspose2d
 *   x1 = pad(x1, [dx/2, dx − dx/2, dy/2, dy − dy/2])    dx, dy = skip size − x1 size (odd sizes: extra at right/bottom)
 *   x2 = x2 + satt(x2) ⊙ catt(x2)                      spatial and channel attention on the skip
 *   y  = conv(conv1x1(cat([x2, x1], channels)))         1x1 in → out, then AMSE(out) (held in a Sequential at `conv.0`)
 *
 * With bilinear upsampling x1 has in/2 channels. With `bilinear = false` the network feeds x1 with `in` channels and
 * the transposed conv halves them (in → in/2). The official code builds `norm` for in/2 channels in both cases and
 * so crashes on that path; here `norm` normalises what it actually receives (in channels).
 * Shape: x1 [N, in/2 or in, h, w], x2 [N, in/2, H, W] with H ∈ {2h, 2h+1} → [N, out, H, W].
 */
import type { Tensor } from '../../tensor/tensor.js';
import { ShapeError } from '../../tensor/errors.js';
import type { Generator } from '../../tensor/rng.js';
import { add, mul, pad, cat } from '../../ops/index.js';
import { Module } from '../../nn/module.js';
import { releaseConsumed } from '../../autograd/lifetimes.js';
import { BatchNorm2d } from '../../nn/layers/batch-norm2d.js';
import { Conv2d } from '../../nn/layers/conv2d.js';
import { ConvTranspose2d } from '../../nn/layers/conv-transpose2d.js';
import { Upsample } from '../../nn/layers/upsample.js';
import { Sequential } from '../../nn/layers/sequential.js';
import { SpatialAttention } from './spatial-attention.js';
import { ChannelAttention } from './channel-attention.js';
import { AMSE } from './amse.js';

export class Up extends Module {
  readonly norm: BatchNorm2d;
  readonly up: Upsample | ConvTranspose2d;
  readonly conv: Sequential;
  readonly satt: SpatialAttention;
  readonly catt: ChannelAttention;
  readonly conv1x1: Conv2d;

  constructor(inChannels: number, outChannels: number, bilinear = true, generator?: Generator) {
    super();
    const half = Math.floor(inChannels / 2);
    this.norm = this.child('norm', new BatchNorm2d(bilinear ? half : inChannels));
    this.up = this.child(
      'up',
      bilinear
        ? new Upsample({ scaleFactor: 2, mode: 'bilinear', alignCorners: true })
        : new ConvTranspose2d(inChannels, half, 2, { stride: 2, generator }),
    );
    this.conv = this.child('conv', new Sequential(new AMSE(outChannels, 1, generator)));
    this.satt = this.child('satt', new SpatialAttention(half, generator));
    this.catt = this.child('catt', new ChannelAttention(half, generator));
    this.conv1x1 = this.child('conv1x1', new Conv2d(inChannels, outChannels, 1, { generator }));
  }

  forward(x1: Tensor, x2: Tensor): Tensor {
    const normed = this.norm.forward(x1);
    let u = this.up.forward(normed); //                                [N, in/2, 2h, 2w]
    releaseConsumed([normed]); // under inference each map goes back as soon as it is consumed (lifetimes.ts), so the
    //                            AMSE below does not run beside all of this stage's full-resolution maps
    const dy = x2.shape[2] - u.shape[2];
    const dx = x2.shape[3] - u.shape[3];
    if (dy < 0 || dx < 0) {
      throw new ShapeError('Up', 'the upsampled map must not be larger than the skip connection', { upsampled: u.shape, skip: x2.shape });
    }
    if (dy || dx) {
      const small = u;
      u = pad(u, [dx >> 1, dx - (dx >> 1), dy >> 1, dy - (dy >> 1)]); // [N, in/2, H, W]
      releaseConsumed([small]);
    }
    const s = this.satt.forward(x2), c = this.catt.forward(x2);
    const gated = mul(s, c);
    releaseConsumed([s, c]);
    const skip = add(x2, gated); //                                    [N, in/2, H, W]
    releaseConsumed([gated]);
    const joined = cat([skip, u], 1);
    releaseConsumed([skip, u]);
    const h = this.conv1x1.forward(joined);
    releaseConsumed([joined]);
    return this.conv.forward(h); //                                    [N, out, H, W]
  }
}
