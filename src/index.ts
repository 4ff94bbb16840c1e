/**
 * amsunet-ts public API, the platform-neutral core: re-exports only. Nothing reachable from here imports node:*
 * or uses Buffer, so it bundles for a browser as it is. The Node entry (node.ts) adds files, the CLI's commands as
 * functions and worker_threads; the browser entry (browser.ts) adds Web Workers and the browser's image decoding.
 */
export * from './tensor/shape.js';
export * from './tensor/errors.js';
export * from './tensor/dtype.js';
export * from './tensor/rng.js';
export * from './tensor/tensor.js';
export * from './tensor/create.js';
export { backward, type BackwardOptions } from './autograd/engine.js';
export { noGrad, enableGrad, isGradEnabled } from './autograd/grad-mode.js';
export { tidy } from './autograd/tidy.js';
export { setBufferPoolLimit, clearBufferPool, bufferPoolStats } from './tensor/buffer-pool.js';
export { gradcheck, GradcheckError, type GradcheckOptions, type Culprit } from './autograd/gradcheck.js';
export { customOp, type CustomOpDefinition, type ForwardContext, type BackwardContext, type GradsOf } from './autograd/custom-op.js';
export { record, type BackwardFn } from './autograd/record.js';
export { checkFloat32, Float32CheckError, FLOAT32_UNIT_ROUNDOFF, type CheckFloat32Options, type Float32Report, type Float32Worst } from './autograd/check-float32.js';
export * from './ops/index.js';
export * from './io/safetensors-format.js';
export * from './nn/losses.js';
export * from './nn/module.js';
export * from './nn/init.js';
export * from './nn/layers/index.js';
export * from './optim/index.js';
export * from './models/amsunet/index.js';
export * from './models/unet/index.js';
export { stateDictBytes, stateDictFromBytes, checkpointBytes, restoreCheckpoint, type StateDictFile, type CheckpointParts } from './io/checkpoint-format.js';
export * from './onnx/index.js';
export { DataError } from './image/errors.js';
export { decodeImage, detectFormat, encodePng, MAX_PIXELS, type ImageFormat } from './image/index.js';
export { type Sample, type DataSplit, type MaskMode, IGNORE_INDEX } from './data/sample.js';
export { loadSyntheticDataset, syntheticSample, type SyntheticOptions, type SyntheticSample } from './data/synthetic.js';
export { augmentSample, collate, computeNormStats, normalizedItem, epochSeed, shuffledOrder, type AugmentOptions } from './data/augment.js';
export { splitRecord, splitMetadata, imagePrint, type DataSplitRecord } from './app/data-split-record.js';
export { ConfusionMatrix } from './metrics/confusion.js';
export { hd95 } from './metrics/hd95.js';
export { MetricsAccumulator, type EvalReport, type ImageMetrics } from './metrics/report.js';
export { curvesSvg, type EpochPoint } from './viz/curves.js';
export { imageToRgb, overlayMask, maskToRgb } from './viz/overlay.js';
export { modelInfo, type ModelInfo } from './app/info.js';
export { predictProbs, argmaxClasses } from './app/inference.js';
export { buildModel, configMetadata, type ModelConfig } from './app/model-config.js';
export { modelFromWeights, type LoadedModel, type WeightsFallback } from './app/model-from-weights.js';
export { loadModelBytes } from './app/model-bytes.js';
export { segmentImage, maskPixels, overlayPixels, classFractions, type DecodedImage, type SegmentOptions, type Segmentation } from './app/segment.js';
export { type BackendName, getBackend, setBackend, getThreads, setThreads, threadsReady } from './backend/index.js';
export { UsageError, RunStopped } from './app/errors.js';
