/** Optimizers and learning-rate schedules. */
export { Optimizer, type OptimizerLike, type ParamGroup, type ParamGroupInput, type ParamState, type OptimizerStateDict, type Hyper, type HyperValue } from './optimizer.js';
export { SGD, type SGDOptions } from './sgd.js';
export { Adam, type AdamOptions } from './adam.js';
export { AdamW } from './adamw.js';
export { LambdaLR, warmupPoly, cosine, constant, type LrLambda, type LambdaLRState, type WarmupPolyOptions, type CosineOptions } from './schedulers.js';
