/**
 * Training in memory, step by step, on every platform: the loop of `amsunet train` (src/app/train/loop.ts) on the
 * built-in synthetic set, with the same random draws (model from the seed, epoch e's order and augmentation from
 * Generator(epochSeed(seed, e))), the same optimizer, schedule, loss and validation. The demo page runs it in a Web
 * Worker, one step per message turn so progress can be shown; Node runs the same code in the browser tests to
 * compare bits.
 *
 * The best model's checkpoint carries the model config and the data split, so `amsunet eval --checkpoint
 * best.safetensors` scores the same validation images and gives the same Dice.
 */
import {
  AdamW, LambdaLR, warmupPoly, amsunetCriterion, Generator, ConfusionMatrix, buildModel, configMetadata,
  loadSyntheticDataset, augmentSample, collate, computeNormStats, normalizedItem, epochSeed, shuffledOrder,
  predictProbs, argmaxClasses, stateDictBytes, splitRecord, splitMetadata,
  type Module, type ModelConfig, type DataSplit, type Sample,
} from '../src/index.js';

export interface TrainSettings {
  baseC: number;
  /** Synthetic images in all (train + validation) and their side. */
  syntheticCount: number;
  size: number;
  epochs: number;
  batchSize: number;
  lr: number;
  weightDecay: number;
  seed: number;
  valFraction: number;
}

/** The settings of `amsunet demo`: a baseC 8 AMSUnet reaching validation Dice ≥ 0.90 in 12 epochs. */
export const DEMO_SETTINGS: TrainSettings = {
  baseC: 8, syntheticCount: 80, size: 48, epochs: 12, batchSize: 4, lr: 0.004, weightDecay: 5e-5, seed: 0, valFraction: 0.2,
};

export interface StepReport {
  epoch: number;
  step: number;
  steps: number;
  loss: number;
}

export interface EpochReport {
  epoch: number;
  epochs: number;
  trainLoss: number;
  valDice: number;
  valMeanIoU: number;
  lr: number;
  isBest: boolean;
  bestValDice: number;
  bestEpoch: number;
  /** The first validation images with truth and prediction (for the overlay grid). */
  overlays: { image: Float32Array; channels: number; height: number; width: number; truth: Int32Array; pred: Int32Array }[];
}

export class Trainer {
  readonly data: DataSplit;
  readonly config: ModelConfig;
  readonly model: Module;
  readonly steps: number;
  private readonly optimizer: AdamW;
  private readonly scheduler: LambdaLR;
  private readonly metadata: Record<string, string>;
  private epoch = 0;
  private step = 0;
  private order: number[] = [];
  private g: Generator | null = null;
  private lossSum = 0;
  private best: { dice: number; epoch: number; bytes: Uint8Array | null } = { dice: -1, epoch: 0, bytes: null };

  constructor(readonly settings: TrainSettings = DEMO_SETTINGS) {
    const s = settings;
    this.data = loadSyntheticDataset({ count: s.syntheticCount, size: s.size, channels: 1, seed: s.seed, valFraction: s.valFraction });
    const norm = computeNormStats(this.data.train);
    this.config = { model: 'amsunet', inChannels: 1, numClasses: 2, baseC: s.baseC, size: s.size, mean: norm.mean, std: norm.std, maskMode: 'binary' };
    this.model = buildModel(this.config, s.seed);
    this.steps = Math.ceil(this.data.train.length / s.batchSize);
    this.optimizer = new AdamW(this.model.parameters(), { lr: s.lr, weightDecay: s.weightDecay });
    this.scheduler = new LambdaLR(this.optimizer, warmupPoly({ itersPerEpoch: this.steps, epochs: s.epochs, warmup: s.epochs > 1, warmupEpochs: 1, power: 0.9 }));
    const source = { syntheticCount: s.syntheticCount, syntheticSize: s.size, channels: 1 as const, seed: s.seed, valFraction: s.valFraction };
    this.metadata = { ...configMetadata(this.config), ...splitMetadata(splitRecord(source, this.data)) };
  }

  /** The epoch of the best validation Dice so far (0 before the first epoch ends). */
  get bestEpoch(): number {
    return this.best.epoch;
  }

  get done(): boolean {
    return this.epoch >= this.settings.epochs;
  }

  /** One optimizer step; at the end of an epoch, validation too (then `epoch` is set in the result). */
  next(): { step: StepReport; epoch?: EpochReport } {
    if (this.done) throw new Error('Trainer: training is finished');
    const { batchSize } = this.settings;
    if (this.step === 0) {
      this.g = new Generator(epochSeed(this.settings.seed, this.epoch));
      this.order = shuffledOrder(this.data.train.length, this.g);
      this.lossSum = 0;
      this.model.train();
    }
    const aug = { size: this.config.size, mean: this.config.mean, std: this.config.std };
    const idx = this.order.slice(this.step * batchSize, (this.step + 1) * batchSize);
    const { x, y } = collate(idx.map((i) => augmentSample(this.data.train[i], aug, this.g!)));
    const loss = amsunetCriterion(this.model.forward(x), y);
    const value = loss.item();
    if (!Number.isFinite(value)) throw new Error(`training stopped: the loss is ${value} at epoch ${this.epoch + 1}, step ${this.step + 1}`);
    loss.backward();
    this.optimizer.step();
    this.scheduler.step();
    this.optimizer.zeroGrad();
    this.lossSum += value;
    this.step++;
    const step = { epoch: this.epoch + 1, step: this.step, steps: this.steps, loss: this.lossSum / this.step };
    if (this.step < this.steps) return { step };
    return { step, epoch: this.endEpoch() };
  }

  /** The best model so far as a .safetensors checkpoint (what `amsunet train` writes as best.safetensors). */
  bestCheckpoint(): Uint8Array {
    if (!this.best.bytes) throw new Error('Trainer: no epoch has finished yet');
    return this.best.bytes;
  }

  private endEpoch(): EpochReport {
    const v = validate(this.model, this.data.val, this.config);
    this.epoch++;
    const isBest = v.dice > this.best.dice;
    if (isBest) {
      const meta = { ...this.metadata, epoch: String(this.epoch), val_dice: String(v.dice) };
      this.best = { dice: v.dice, epoch: this.epoch, bytes: stateDictBytes(this.model, meta) };
    }
    const report: EpochReport = {
      epoch: this.epoch, epochs: this.settings.epochs, trainLoss: this.lossSum / this.steps, valDice: v.dice, valMeanIoU: v.meanIoU,
      lr: this.optimizer.paramGroups[0].lr, isBest, bestValDice: this.best.dice, bestEpoch: this.best.epoch, overlays: v.overlays,
    };
    this.step = 0;
    return report;
  }
}

/** Foreground Dice and mean IoU over whole validation images, as `amsunet train` validates. */
function validate(model: Module, val: readonly Sample[], mc: ModelConfig, overlayCases = 6): { dice: number; meanIoU: number; overlays: EpochReport['overlays'] } {
  const cm = new ConfusionMatrix(mc.numClasses);
  const overlays: EpochReport['overlays'] = [];
  val.forEach((s, i) => {
    const it = normalizedItem(s, mc.mean, mc.std);
    const pred = argmaxClasses(predictProbs(model, it.image, s.channels, s.height, s.width, mc.numClasses, { tile: mc.size }), mc.numClasses, s.height, s.width);
    cm.update(pred, s.mask);
    if (i < overlayCases) overlays.push({ image: s.image, channels: s.channels, height: s.height, width: s.width, truth: s.mask, pred });
  });
  return { dice: cm.foregroundDice(), meanIoU: cm.meanIoU(), overlays };
}
