/** amsunet-ts public API: re-exports only. */
export * from './tensor/shape.js';
export * from './tensor/errors.js';
export * from './tensor/dtype.js';
export * from './tensor/rng.js';
export * from './tensor/tensor.js';
export * from './tensor/create.js';
export { backward, type BackwardOptions } from './autograd/engine.js';
export { noGrad, enableGrad, isGradEnabled } from './autograd/grad-mode.js';
export { gradcheck, GradcheckError, type GradcheckOptions } from './autograd/gradcheck.js';
export * from './ops/index.js';
export * from './io/safetensors.js';
export * from './nn/losses.js';
