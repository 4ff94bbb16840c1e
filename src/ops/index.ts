/** The differentiable op set (functional API). Each file holds validation, forward and backward of its ops. */
export { add, sub, mul, div, neg } from './binary.js';
export { unary, unaryTable, exp, log, sqrt, abs, square, reciprocal } from './unary.js';
export { sum, type ReduceOptions } from './sum.js';
export { sumTo } from './broadcast.js';
export { conv2d } from './conv2d.js';
export { convTranspose2d } from './conv-transpose2d.js';
export type { Conv2dOptions, ConvTranspose2dOptions, PaddingMode, Pair } from './conv-geometry.js';
export { pad, type PadMode, type PadOptions } from './pad.js';
