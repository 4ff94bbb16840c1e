/**
 * amsunet-ts for Node: the platform-neutral core (index.ts) plus what needs Node: reading and writing files
 * (checkpoints, PNG, NIfTI, ONNX), datasets from folders, the CLI's commands as functions (train, evaluate,
 * predict), and the off-thread segmenter on worker_threads. `import ... from 'amsunet-ts'` in Node resolves here.
 */
export * from './index.js';
export { loadSafetensors, saveSafetensors, writeFileAtomic } from './io/safetensors.js';
export { saveStateDict, loadStateDictFile, saveCheckpoint, loadCheckpoint } from './io/checkpoint.js';
export { saveOnnx } from './onnx/save.js';
export { readImagePng, readMaskPng, writePng, imageFromPngBytes, maskFromPngBytes, type PngImage, type PngMask } from './data/png.js';
export { readImage, readMask, IMAGE_EXTENSIONS, type ImagePlanes, type MaskValues } from './data/image-file.js';
export { readImageFile } from './app/read-image.js';
export { readNifti, parseNifti, niftiSlices, type NiftiVolume, type NiftiSlice } from './data/nifti.js';
export { loadFolderDataset, loadEvalFolder } from './data/folder.js';
export { loadNiftiDataset } from './data/nifti-dataset.js';
export { loadTrainingData, loadEvaluationData, type DataSource } from './data/load.js';
export { overlayGridPng } from './viz/grid.js';
export { train, validate, type TrainConfig, type TrainSummary, type TrainEvents, type EpochRecord } from './app/train.js';
export { evaluate, type EvaluateOptions, type Evaluation } from './app/evaluate.js';
export { predict, type PredictOptions, type PredictResult } from './app/predict.js';
export { loadModel } from './app/load-model.js';
export { createSegmenter } from './segmenter/node.js';
export type { Segmenter, SegmenterOptions, SegmenterInfo, ImageBytes } from './segmenter/protocol.js';
export { workerExecArgv } from './node/workers.js';
