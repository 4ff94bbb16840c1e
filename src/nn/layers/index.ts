/** The layer classes, one per file. */
export { Conv2d, type Conv2dLayerOptions } from './conv2d.js';
export { ConvTranspose2d, type ConvTranspose2dLayerOptions } from './conv-transpose2d.js';
export { BatchNorm2d, type BatchNorm2dLayerOptions } from './batch-norm2d.js';
export { GroupNorm, type GroupNormLayerOptions } from './group-norm.js';
export { GELU } from './gelu.js';
export { ReLU } from './relu.js';
export { Sigmoid } from './sigmoid.js';
export { Identity } from './identity.js';
export { Sequential } from './sequential.js';
export { ModuleList } from './module-list.js';
export { Upsample, type UpsampleOptions } from './upsample.js';
export { AdaptiveAvgPool2d } from './adaptive-avg-pool2d.js';
export { MaxPool2d } from './max-pool2d.js';
export { Dropout } from './dropout.js';
export { Linear } from './linear.js';
