/** OutConv(C, classes): a Sequential holding one 1x1 conv C → classes (keys `out_conv.0.*`). */
import type { Generator } from '../../tensor/rng.js';
import { Sequential } from '../../nn/layers/sequential.js';
import { Conv2d } from '../../nn/layers/conv2d.js';

export class OutConv extends Sequential {
  constructor(inChannels: number, numClasses: number, generator?: Generator) {
    super(new Conv2d(inChannels, numClasses, 1, { generator }));
  }
}
