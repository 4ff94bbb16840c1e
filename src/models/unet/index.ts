/** The classic U-Net baseline. */
export { UNet, type UNetOptions } from './unet.js';
export { DoubleConv } from './double-conv.js';
export { UNetDown } from './unet-down.js';
export { UNetUp } from './unet-up.js';
