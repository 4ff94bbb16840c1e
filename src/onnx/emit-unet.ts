/**
 * ONNX emitters for the U-Net baseline, mirroring src/models/unet (DoubleConv, UNetDown and OutConv are
 * Sequentials and use Sequential's emitter).
 */
import { UNetUp } from '../models/unet/unet-up.js';
import { UNet } from '../models/unet/unet.js';
import type { Module } from '../nn/module.js';
import { registerOnnxEmitter, type OnnxGraph, type Value } from './graph.js';

registerOnnxEmitter(UNetUp, (g, m, x1, x2) => {
  const u = g.padToMatch(g.call(m.up, x1), x2);
  return g.call(m.conv, g.concat([x2, u], 1));
});

/** The modules of a four-stage encoder-decoder (UNet, AMSUnet); each block type has its own emitter. */
type EncoderDecoder = Module & Record<'inConv' | 'down1' | 'down2' | 'down3' | 'down4' | 'up1' | 'up2' | 'up3' | 'up4' | 'outConv', Module>;

/** The wiring of UNet.forward and AMSUnet.forward (the same in both): four stages down, four up fed the skips. */
export function emitEncoderDecoder(g: OnnxGraph, m: EncoderDecoder, x: Value): Value {
  const x1 = g.call(m.inConv, x); //    [N, C,  H,    W   ]
  const x2 = g.call(m.down1, x1); //    [N, 2C, H/2,  W/2 ]
  const x3 = g.call(m.down2, x2); //    [N, 4C, H/4,  W/4 ]
  const x4 = g.call(m.down3, x3); //    [N, 8C, H/8,  W/8 ]
  const x5 = g.call(m.down4, x4); //    [N, 8C, H/16, W/16]
  let y = g.call(m.up1, x5, x4); //     [N, 4C, H/8,  W/8 ]
  y = g.call(m.up2, y, x3); //          [N, 2C, H/4,  W/4 ]
  y = g.call(m.up3, y, x2); //          [N, C,  H/2,  W/2 ]
  y = g.call(m.up4, y, x1); //          [N, C,  H,    W   ]
  return g.call(m.outConv, y); //       [N, numClasses, H, W]
}

registerOnnxEmitter(UNet, emitEncoderDecoder);
