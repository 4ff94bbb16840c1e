/**
 * What a training run is asked for (TrainConfig and its defaults), and the decisions taken from it before any
 * weight exists: the crop size, the steps per epoch, and whether a step fits in this machine's memory.
 */
import { totalmem } from 'node:os';
import type { DataSource } from '../../data/load.js';
import type { DataSplit } from '../../data/sample.js';
import type { ModelName } from '../model-config.js';
import { UsageError } from '../errors.js';
import { trainStepBytes } from '../info.js';

export interface TrainConfig extends DataSource {
  model: ModelName;
  baseC: number;
  epochs: number;
  batchSize: number;
  lr: number;
  weightDecay: number;
  /** Crop side; default: 48 for synthetic data, else min(480, smallest image side) rounded down to a multiple of 16. */
  size?: number;
  seed: number;
  threads?: number;
  /** Output folder; default runs/<timestamp>. */
  out?: string;
  /** Stop (resumably) after this many epochs in all, as if interrupted. */
  stopAfter?: number;
  /** Validation cases drawn in val_overlays.png. */
  overlayCases?: number;
  /** Start from these weights (a .safetensors of ours, or PyTorch weights with the official names). */
  init?: string;
  /** With `init`: false loads the tensors that fit and reports the rest (as PyTorch's load_state_dict(strict=False)). */
  initStrict?: boolean;
  /** The lr factor after the warm-up epoch: 'poly' (the official (1 − s/T)^0.9, default) or 'constant'. */
  schedule?: 'poly' | 'constant';
}

/** The TrainConfig fields that say which data a run read (recorded in its checkpoints for `eval --split`). */
export const DATA_SOURCE_KEYS = ['data', 'masks', 'axis', 'maskMode', 'classes', 'valFraction', 'seed', 'syntheticCount', 'syntheticSize', 'channels', 'layout'] as const;

export const TRAIN_DEFAULTS = { model: 'amsunet' as ModelName, baseC: 32, epochs: 300, batchSize: 2, lr: 0.002, weightDecay: 5e-5, seed: 0, valFraction: 0.2 };

/** Refuse, up front and in one line, a step that cannot fit in this machine's memory (estimate: info.ts trainStepBytes). */
export function checkTrainMemory(cfg: TrainConfig, size: number, inChannels: number, numClasses: number): void {
  const need = trainStepBytes(cfg.baseC, cfg.batchSize, size, inChannels, numClasses), have = totalmem();
  if (need > 0.8 * have) {
    const gb = (b: number) => (b / 1024 ** 3).toFixed(1);
    throw new UsageError(`--size ${size} with --batch-size ${cfg.batchSize} and --base-c ${cfg.baseC} needs about ${gb(need)} GB for a training step, more than this machine can give (${gb(have)} GB in all); use a smaller --size, --batch-size or --base-c`);
  }
}

/** Pick or check the crop size against the training images. */
export function chooseSize(cfg: TrainConfig, data: DataSplit): number {
  const train = data.train;
  if (!cfg.data) return cfg.size ?? cfg.syntheticSize ?? 48;
  if (cfg.size === undefined) {
    const smallest = Math.min(...train.map((s) => Math.min(s.height, s.width)));
    return Math.max(16, Math.min(480, Math.floor(smallest / 16) * 16 || smallest));
  }
  if (!train.some((s) => s.height >= cfg.size! && s.width >= cfg.size!)) {
    const largest = train.reduce((a, s) => (s.height * s.width > a.height * a.width ? s : a));
    throw new UsageError(`--size ${cfg.size} is larger than every training image (the largest is ${largest.width}x${largest.height}); use --size ${Math.min(largest.height, largest.width)} or less`);
  }
  return cfg.size;
}

/**
 * Steps per epoch. A trailing batch of one image is dropped when the batch size is larger: BatchNorm in training
 * mode needs more than one value per channel, and at the 1/16 bottleneck of a small crop one image may give only one.
 */
export function stepsPerEpoch(images: number, batchSize: number, size: number): number {
  if (batchSize === 1 && Math.floor(size / 16) ** 2 < 2) {
    throw new UsageError(`--size ${size} with --batch-size 1 leaves a single value per channel at the 1/16 bottleneck, which BatchNorm cannot train on; use --size 32 or more, or --batch-size 2`);
  }
  return batchSize > 1 && images % batchSize === 1 && images > 1 ? Math.floor(images / batchSize) : Math.ceil(images / batchSize);
}
