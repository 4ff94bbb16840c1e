/**
 * Down(cin, cout, dilation): an encoder stage, a Sequential of
 *   0: BatchNorm2d(cin), 1: Conv2d k2 stride 2 (cin → cout, halves H and W, floor), 2: AMSE(cout, dilation).
 * The official code builds the AMSE before the BN and the conv; we do the same so parameters are drawn in
 * PyTorch's order. Shape: [N, cin, H, W] → [N, cout, floor(H/2), floor(W/2)].
 */
import type { Generator } from '../../tensor/rng.js';
import { Sequential } from '../../nn/layers/sequential.js';
import { BatchNorm2d } from '../../nn/layers/batch-norm2d.js';
import { Conv2d } from '../../nn/layers/conv2d.js';
import { AMSE } from './amse.js';

export class Down extends Sequential {
  constructor(cin: number, cout: number, dilation: number, generator?: Generator) {
    const amse = new AMSE(cout, dilation, generator);
    super(new BatchNorm2d(cin), new Conv2d(cin, cout, 2, { stride: 2, generator }), amse);
  }
}
