/**
 * Training's public entry: the run itself is in train/ — config.ts (what a run is asked for), state.ts (what
 * --resume continues), outputs.ts (the run folder), init.ts (--init weights) and loop.ts (the loop).
 */
export { train, validate, type StepEvent, type TrainEvents, type ResumeOptions } from './train/loop.js';
export { TRAIN_DEFAULTS, type TrainConfig } from './train/config.js';
export type { EpochRecord, TrainState } from './train/state.js';
export type { TrainSummary } from './train/outputs.js';
