/**
 * ONNX emitters for the AMSUnet blocks: each mirrors the block's forward() in src/models/amsunet line for line
 * (Down and OutConv are Sequentials and use Sequential's emitter). The export test runs the result in ONNX Runtime
 * against the eager forward, so a forward changed without its emitter fails there.
 */
import { AMS } from '../models/amsunet/ams.js';
import { Attention } from '../models/amsunet/attention.js';
import { FFN } from '../models/amsunet/ffn.js';
import { AMSE } from '../models/amsunet/amse.js';
import { SpatialAttention } from '../models/amsunet/spatial-attention.js';
import { ChannelAttention } from '../models/amsunet/channel-attention.js';
import { Up } from '../models/amsunet/up.js';
import { AMSUnet } from '../models/amsunet/amsunet.js';
import { registerOnnxEmitter } from './graph.js';
import { emitEncoderDecoder } from './emit-unet.js';

// conv3(a + b + s5 + s7 + s11) ⊙ x
registerOnnxEmitter(AMS, (g, m, x) => {
  const a = g.call(m.conv, x); //                               3x3 local context
  const b = g.call(m.conv0, a); //                              dilated 3x3
  const s5 = g.call(m.conv0_2, g.call(m.conv0_1, b)); //        1x5 → 5x1
  const s7 = g.call(m.conv1_2, g.call(m.conv1_1, b)); //        1x7 → 7x1
  const s11 = g.call(m.conv2_2, g.call(m.conv2_1, b)); //       1x11 → 11x1
  const attn = g.call(m.conv3, g.add(g.add(g.add(g.add(a, b), s5), s7), s11));
  return g.mul(attn, x);
});

registerOnnxEmitter(Attention, (g, m, x) => g.call(m.conv2, g.call(m.ams, g.call(m.act, g.call(m.conv1, x)))));

registerOnnxEmitter(FFN, (g, m, x) => g.call(m.conv3, g.call(m.act, g.call(m.conv2, g.call(m.conv1, x)))));

// GELU(x + FFN(BN2(Attention(BN1(x)))))
registerOnnxEmitter(AMSE, (g, m, x) => {
  const h = g.call(m.ffn, g.call(m.bn2, g.call(m.attn, g.call(m.bn1, x))));
  return g.call(m.act, g.add(x, h));
});

registerOnnxEmitter(SpatialAttention, (g, m, x) => g.mul(x, g.call(m.sigmoid, g.call(m.squeeze, x))));

registerOnnxEmitter(ChannelAttention, (g, m, x) => {
  const s = g.call(m.globalAvgpool, x); //                      [N, dim, 1, 1]
  const z = g.call(m.sigmoid, g.call(m.conv2, g.call(m.relu, g.call(m.conv1, s))));
  return g.mul(x, z);
});

registerOnnxEmitter(Up, (g, m, x1, x2) => {
  const u = g.padToMatch(g.call(m.up, g.call(m.norm, x1)), x2); // [N, in/2, H, W]
  const skip = g.add(x2, g.mul(g.call(m.satt, x2), g.call(m.catt, x2)));
  return g.call(m.conv, g.call(m.conv1x1, g.concat([skip, u], 1)));
});

registerOnnxEmitter(AMSUnet, emitEncoderDecoder);
