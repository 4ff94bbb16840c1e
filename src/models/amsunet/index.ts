/** AMSUnet and its blocks (one class per box of the paper's figure). */
export { AMSUnet, type AMSUnetOptions } from './amsunet.js';
export { AMS } from './ams.js';
export { Attention } from './attention.js';
export { FFN } from './ffn.js';
export { AMSE } from './amse.js';
export { Down } from './down.js';
export { SpatialAttention } from './spatial-attention.js';
export { ChannelAttention } from './channel-attention.js';
export { Up } from './up.js';
export { OutConv } from './out-conv.js';
