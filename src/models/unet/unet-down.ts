/** UNetDown(in, out): 2x2 max-pool (stride 2) then DoubleConv; Sequential children 0, 1. [N, in, H, W] → [N, out, H/2, W/2]. */
import type { Generator } from '../../tensor/rng.js';
import { Sequential } from '../../nn/layers/sequential.js';
import { MaxPool2d } from '../../nn/layers/max-pool2d.js';
import { DoubleConv } from './double-conv.js';

export class UNetDown extends Sequential {
  constructor(inChannels: number, outChannels: number, generator?: Generator) {
    super(new MaxPool2d(2, { stride: 2 }), new DoubleConv(inChannels, outChannels, outChannels, generator));
  }
}
