/** The differentiable op set (functional API). Each file holds validation, forward and backward of its ops. */
export { add, sub, mul, div, neg, pow, maximum, minimum, broadcastBinary } from './binary.js';
export { unary, unaryTable, exp, log, sqrt, abs, square, reciprocal } from './unary.js';
export { sum, mean, max, min, argmax, type ReduceOptions, type Axes } from './reduce.js';
export { sumTo } from './broadcast.js';
export { eq, ne, lt, le, gt, ge, where } from './compare.js';
export { reshape, view, flatten, squeeze, unsqueeze, expand } from './shape.js';
export { permute, transpose } from './permute.js';
export { slice, narrow } from './slice.js';
export { cat, stack } from './cat.js';
export { clone, detach, cast } from './copy.js';
export { matmul } from './matmul.js';
export { softmax, logSoftmax } from './softmax.js';
import './methods.js'; // installs the fluent Tensor methods (x.add(y), x.sum(1), ...)
export { conv2d } from './conv2d.js';
export { convTranspose2d } from './conv-transpose2d.js';
export type { Conv2dOptions, ConvTranspose2dOptions, PaddingMode, Pair } from './conv-geometry.js';
export { pad, type PadMode, type PadOptions } from './pad.js';
export { gelu, relu, sigmoid, tanh, leakyRelu, silu, type GeluOptions } from './activations.js';
export { batchNorm2d, type BatchNorm2dOptions } from './batchnorm2d.js';
export { groupNorm, type GroupNormOptions } from './group-norm.js';
export { layerNorm, type LayerNormOptions } from './layer-norm.js';
export { interpolate, type InterpolateOptions } from './interpolate.js';
export { adaptiveAvgPool2d, avgPool2d, maxPool2d, type AvgPool2dOptions, type MaxPool2dOptions } from './pool2d.js';
export { addN } from './add-n.js';
