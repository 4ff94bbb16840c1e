/**
 * Training, as the official recipe: AdamW (lr 0.002, weight decay 5e-5), LambdaLR with one epoch of linear warm-up
 * from 1e-3 then poly decay (power 0.9), stepped every iteration; loss = CE + Dice with ignore index 255; the
 * official augmentation; validation after every epoch; the best model kept by foreground Dice.
 *
 * Output folder:
 *   best.safetensors, last.safetensors   weights + the model config (metadata "amsunet.config")
 *   train_state.safetensors              weights + AdamW moments + schedule + epoch/step/history, for --resume
 *   metrics.csv, curves.svg, val_overlays.png, summary.json
 * Every file is written atomically (temporary file, fsync, rename), so a crash at any moment leaves the previous
 * version intact.
 *
 * Exact resume: the random draws of epoch e come from Generator(epochSeed(seed, e)) alone, so resuming at
 * (epoch, step) replays that epoch's draws up to `step` without computing, and continues bit-identically.
 */
import { readdirSync, existsSync, statSync, rmdirSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { totalmem } from 'node:os';
import { Generator } from '../tensor/rng.js';
import type { Module } from '../nn/module.js';
import { AdamW } from '../optim/adamw.js';
import { LambdaLR, warmupPoly } from '../optim/schedulers.js';
import { amsunetCriterion } from '../nn/losses.js';
import { saveCheckpoint, loadCheckpoint, saveStateDict } from '../io/checkpoint.js';
import { writeFileAtomic, loadSafetensors } from '../io/safetensors.js';
import { loadTrainingData, type DataSource } from '../data/load.js';
import type { DataSplit, Sample } from '../data/sample.js';
import { augmentSample, collate, computeNormStats, epochSeed, shuffledOrder, normalizedItem } from '../data/augment.js';
import { ConfusionMatrix } from '../metrics/confusion.js';
import { curvesSvg, type EpochPoint } from '../viz/curves.js';
import { overlayGridPng, type OverlayCase } from '../viz/grid.js';
import { predictProbs, argmaxClasses } from './inference.js';
import { buildModel, configMetadata, type ModelConfig, type ModelName } from './model-config.js';
import { UsageError, RunStopped } from './errors.js';
import { trainStepBytes } from './info.js';
import { setThreads } from './threads.js';
import { parseTrainState, TRAIN_STATE_KEY, type TrainState } from './train-state.js';
import { makeOutputDir } from './output-paths.js';

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
}

export const TRAIN_DEFAULTS = { model: 'amsunet' as ModelName, baseC: 32, epochs: 300, batchSize: 2, lr: 0.002, weightDecay: 5e-5, seed: 0, valFraction: 0.2 };

export interface StepEvent {
  epoch: number;
  epochs: number;
  step: number;
  steps: number;
  /** Mean training loss of this epoch so far. */
  loss: number;
  imgPerSec: number;
  /** Estimated seconds left in the whole run. */
  eta: number;
}

export interface EpochRecord extends EpochPoint {
  epochs: number;
  valMeanIoU: number;
  lr: number;
  seconds: number;
  imgPerSec: number;
  isBest: boolean;
  bestValDice: number;
  bestEpoch: number;
}

export interface TrainEvents {
  onStart?(info: { outDir: string; description: string; params: number; config: ModelConfig; steps: number; resumedFrom?: { epoch: number; step: number } }): void;
  onStep?(e: StepEvent): void;
  onEpoch?(r: EpochRecord): void;
  /** Polled after every step: true finishes the step, saves a resumable state and stops (SIGINT). */
  shouldStop?(): boolean;
}

export interface TrainSummary {
  bestValDice: number;
  bestEpoch: number;
  epochs: number;
  epochsDone: number;
  seconds: number;
  params: number;
  finalValDice: number;
  outDir: string;
  /** False when the run stopped early (--stop-after) and can be resumed. */
  complete: boolean;
  files: Record<string, string>;
  config: TrainConfig & { size: number };
  model: ModelConfig;
  data: string;
}

const STATE_FILE = 'train_state.safetensors';

function timestamp(): string {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** Refuse, up front and in one line, a step that cannot fit in this machine's memory (estimate: info.ts trainStepBytes). */
function checkTrainMemory(cfg: TrainConfig, size: number, inChannels: number, numClasses: number): void {
  const need = trainStepBytes(cfg.baseC, cfg.batchSize, size, inChannels, numClasses), have = totalmem();
  if (need > 0.8 * have) {
    const gb = (b: number) => (b / 1024 ** 3).toFixed(1);
    throw new UsageError(`--size ${size} with --batch-size ${cfg.batchSize} and --base-c ${cfg.baseC} needs about ${gb(need)} GB for a training step, more than this machine can give (${gb(have)} GB in all); use a smaller --size, --batch-size or --base-c`);
  }
}

/** Pick or check the crop size against the training images. */
function chooseSize(cfg: TrainConfig, data: DataSplit): number {
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

function checkOutDir(out: string): void {
  if (!existsSync(out)) return;
  if (!statSync(out).isDirectory()) throw new UsageError(`--out ${out}: is a file, not a folder`);
  const taken = readdirSync(out).filter((f) => /\.(safetensors|csv|svg|png|json)$/.test(f));
  if (taken.length) throw new UsageError(`--out ${out}: folder already holds a run (${taken.slice(0, 3).join(', ')}); choose another --out, or --resume ${join(out, STATE_FILE)}`);
}

/** The first tensor of the state dict (parameters and buffers such as BatchNorm running stats) holding a non-finite value, or null. */
function firstNonFinite(model: Module): string | null {
  for (const [name, t] of model.stateDict()) {
    if (t.dtype !== 'float32' && t.dtype !== 'float64') continue;
    for (const v of t.data) if (!Number.isFinite(v)) return name;
  }
  return null;
}

/** Validate on whole images: foreground Dice and mean IoU of the pooled confusion matrix, plus overlay cases. */
export function validate(model: Module, val: readonly Sample[], mc: ModelConfig, overlayCases = 4): { dice: number; meanIoU: number; overlays: OverlayCase[] } {
  const cm = new ConfusionMatrix(mc.numClasses);
  const overlays: OverlayCase[] = [];
  val.forEach((s, i) => {
    const it = normalizedItem(s, mc.mean, mc.std);
    const probs = predictProbs(model, it.image, s.channels, s.height, s.width, mc.numClasses, { tile: mc.size });
    const pred = argmaxClasses(probs, mc.numClasses, s.height, s.width);
    cm.update(pred, s.mask);
    if (i < overlayCases) overlays.push({ image: s.image, channels: s.channels, height: s.height, width: s.width, truth: s.mask, pred });
  });
  return { dice: cm.foregroundDice(), meanIoU: cm.meanIoU(), overlays };
}

function metricsCsv(history: readonly EpochRecord[]): string {
  const head = 'epoch,train_loss,val_dice,val_miou,lr,seconds,img_per_s';
  const rows = history.map((h) => [h.epoch, h.trainLoss, h.valDice, h.valMeanIoU, h.lr, h.seconds, h.imgPerSec].map((v) => String(Number(Number(v).toPrecision(8)))).join(','));
  return [head, ...rows].join('\n') + '\n';
}

/** Read the state of an earlier run for --resume (a train_state file, or the run folder holding one). */
function readResumeState(path: string): { file: string; state: TrainState } {
  let file = path;
  if (existsSync(path) && statSync(path).isDirectory()) file = join(path, STATE_FILE);
  if (!existsSync(file)) throw new UsageError(`--resume ${path}: no such file${file !== path ? ` (looked for ${file})` : ''}`);
  const meta = loadSafetensors(file).metadata;
  if (!meta[TRAIN_STATE_KEY]) throw new UsageError(`--resume ${path}: ${file} is not a training state (no "${TRAIN_STATE_KEY}" metadata); pass the run's ${STATE_FILE}`);
  return { file, state: parseTrainState(meta[TRAIN_STATE_KEY], file) };
}

/**
 * Train a model; `resume` continues the run saved in a train_state file (its stored config is used, with
 * `threads` and `stopAfter` taken from `cfg`).
 */
export async function train(cfgIn: TrainConfig, events: TrainEvents = {}, resume?: string): Promise<TrainSummary> {
  const t0 = performance.now();
  let resumed: { file: string; state: TrainState } | null = null;
  let cfg: TrainConfig;
  if (resume) {
    resumed = readResumeState(resume);
    cfg = { ...resumed.state.config, threads: cfgIn.threads, stopAfter: cfgIn.stopAfter, out: dirname(resumed.file) };
  } else cfg = cfgIn;
  if (cfg.threads !== undefined) setThreads(cfg.threads);

  if (cfg.size !== undefined) checkTrainMemory(cfg, cfg.size, 3, 2); // before loading (synthetic data is made at --size)
  const data = loadTrainingData(cfg);
  const size = resumed ? resumed.state.config.size : chooseSize(cfg, data);
  checkTrainMemory(cfg, size, data.channels, data.numClasses);
  const norm = resumed ? { mean: resumed.state.modelConfig.mean, std: resumed.state.modelConfig.std } : computeNormStats(data.train);
  const mc: ModelConfig = { model: cfg.model, inChannels: data.channels, numClasses: data.numClasses, baseC: cfg.baseC, size, mean: norm.mean, std: norm.std, maskMode: cfg.maskMode ?? 'binary' };
  const model = buildModel(mc, cfg.seed);
  const params = model.parameters().reduce((a, p) => a + p.size, 0);
  // A trailing batch of one image is dropped when the batch size is larger: BatchNorm in training mode needs more
  // than one value per channel, and at the 1/16 bottleneck of a small crop one image may give only one.
  const steps = cfg.batchSize > 1 && data.train.length % cfg.batchSize === 1 && data.train.length > 1
    ? Math.floor(data.train.length / cfg.batchSize)
    : Math.ceil(data.train.length / cfg.batchSize);
  if (cfg.batchSize === 1 && Math.floor(size / 16) ** 2 < 2) {
    throw new UsageError(`--size ${size} with --batch-size 1 leaves a single value per channel at the 1/16 bottleneck, which BatchNorm cannot train on; use --size 32 or more, or --batch-size 2`);
  }
  const optimizer = new AdamW(model.parameters(), { lr: cfg.lr, weightDecay: cfg.weightDecay });
  const scheduler = new LambdaLR(optimizer, warmupPoly({ itersPerEpoch: steps, epochs: cfg.epochs, warmup: cfg.epochs > 1, warmupEpochs: 1 }));
  const fullCfg = { ...cfg, size };

  let state: TrainState = { config: fullCfg, modelConfig: mc, epoch: 0, step: 0, history: [], bestValDice: -1, bestEpoch: 0, seconds: 0 };
  if (resumed) {
    loadCheckpoint(resumed.file, { model, optimizer, scheduler });
    state = { ...resumed.state, config: fullCfg };
  }
  const outDir = resolve(cfg.out ?? join('runs', timestamp()));
  if (!resumed) checkOutDir(outDir);
  const created = !existsSync(outDir);
  makeOutputDir(cfg.out ?? outDir, '--out');
  try {
    return await trainLoop();
  } catch (e) {
    // A run that saved nothing leaves no empty folder behind.
    if (created && readdirSync(outDir).length === 0) rmdirSync(outDir);
    throw e;
  }

  async function trainLoop(): Promise<TrainSummary> {
    const files = {
      best: join(outDir, 'best.safetensors'), last: join(outDir, 'last.safetensors'), state: join(outDir, STATE_FILE),
      metrics: join(outDir, 'metrics.csv'), curves: join(outDir, 'curves.svg'), overlays: join(outDir, 'val_overlays.png'), summary: join(outDir, 'summary.json'),
    };
    events.onStart?.({ outDir, description: data.description, params, config: mc, steps, resumedFrom: resumed ? { epoch: state.epoch, step: state.step } : undefined });

    const saveState = () => saveCheckpoint(files.state, { model, optimizer, scheduler }, { ...configMetadata(mc), [TRAIN_STATE_KEY]: JSON.stringify(state) });
    /** Nothing non-finite is ever saved: weights or BatchNorm statistics that diverged stop the run before any write. */
    const stopIfNonFinite = (when: string) => {
      const bad = firstNonFinite(model);
      if (!bad) return;
      const kept = state.history.length ? `the last good weights are in ${files.last} (epoch ${state.history.length})` : 'nothing was saved';
      throw new RunStopped(`training stopped: non-finite weights ('${bad}') ${when}; ${kept}; try a lower --lr`);
    };
    const aug = { size, mean: mc.mean, std: mc.std };
    const secondsBefore = state.seconds;
    const elapsed = () => secondsBefore + (performance.now() - t0) / 1000;
    let imagesSeen = 0;
    const tRun = performance.now();
    const stopEpoch = Math.min(cfg.epochs, cfg.stopAfter ?? cfg.epochs);

    for (let epoch = state.epoch; epoch < stopEpoch; epoch++) {
      const g = new Generator(epochSeed(cfg.seed, epoch));
      const order = shuffledOrder(data.train.length, g);
      const firstStep = epoch === state.epoch ? state.step : 0;
      const carried = epoch === state.epoch && firstStep > 0 ? state.epochLoss : undefined;
      let lossSum = carried?.sum ?? 0, lossN = carried?.n ?? 0;
      const tEpoch = performance.now();
      let epochImages = 0;
      model.train();
      for (let step = 0; step < steps; step++) {
        const idx = order.slice(step * cfg.batchSize, (step + 1) * cfg.batchSize);
        const items = idx.map((i) => augmentSample(data.train[i], aug, g));
        if (step < firstStep) continue; // replaying the draws of steps done before the interruption
        const { x, y } = collate(items);
        const loss = amsunetCriterion(model.forward(x), y);
        const value = loss.item();
        if (!Number.isFinite(value)) {
          throw new RunStopped(`training stopped: the loss is ${value} at epoch ${epoch + 1}, step ${step + 1}; ` +
            (state.history.length ? `the last good weights are in ${files.last} (epoch ${state.history.length})` : 'no epoch finished, nothing was saved') +
            '; try a lower --lr');
        }
        loss.backward(undefined, { recycle: true }); // intermediates go back to the buffer pool for the next step
        optimizer.step();
        scheduler.step();
        optimizer.zeroGrad();
        lossSum += value;
        lossN++;
        imagesSeen += idx.length;
        epochImages += idx.length;
        const rate = imagesSeen / ((performance.now() - tRun) / 1000);
        const left = (cfg.epochs - epoch - 1) * data.train.length + (steps - step - 1) * cfg.batchSize;
        events.onStep?.({ epoch: epoch + 1, epochs: cfg.epochs, step: step + 1, steps, loss: lossSum / lossN, imgPerSec: rate, eta: left / rate });
        await new Promise((r) => setImmediate(r)); // let signals (SIGINT) and output through
        if (events.shouldStop?.() && step + 1 < steps) {
          stopIfNonFinite(`at epoch ${epoch + 1}, step ${step + 1}`);
          state = { ...state, epoch, step: step + 1, epochLoss: { sum: lossSum, n: lossN }, seconds: elapsed() };
          saveState();
          throw new RunStopped(`interrupted at epoch ${epoch + 1}, step ${step + 1} of ${steps}; saved ${files.state}. Resume with: amsunet train --resume ${files.state}`, 130);
        }
      }
      const trainSeconds = (performance.now() - tEpoch) / 1000;
      stopIfNonFinite(`after epoch ${epoch + 1}`);
      const v = validate(model, data.val, mc, cfg.overlayCases ?? 4);
      const isBest = v.dice > state.bestValDice;
      const rec: EpochRecord = {
        epoch: epoch + 1, epochs: cfg.epochs, trainLoss: lossN ? lossSum / lossN : NaN, valDice: v.dice, valMeanIoU: v.meanIoU,
        lr: optimizer.paramGroups[0].lr, seconds: Number(elapsed().toFixed(3)), imgPerSec: epochImages / trainSeconds,
        isBest, bestValDice: isBest ? v.dice : state.bestValDice, bestEpoch: isBest ? epoch + 1 : state.bestEpoch,
      };
      const meta = { ...configMetadata(mc), epoch: String(epoch + 1), val_dice: String(v.dice) };
      saveStateDict(files.last, model, meta);
      if (isBest) {
        saveStateDict(files.best, model, meta);
        writeFileAtomic(files.overlays, overlayGridPng(v.overlays));
      }
      state = { ...state, epoch: epoch + 1, step: 0, epochLoss: undefined, history: [...state.history, rec], bestValDice: rec.bestValDice, bestEpoch: rec.bestEpoch, seconds: elapsed() };
      saveState();
      writeFileAtomic(files.metrics, metricsCsv(state.history));
      writeFileAtomic(files.curves, curvesSvg(state.history, `${mc.model} baseC ${mc.baseC}, ${data.description}`));
      events.onEpoch?.(rec);
      if (events.shouldStop?.() && epoch + 1 < cfg.epochs) {
        throw new RunStopped(`interrupted after epoch ${epoch + 1}; saved ${files.state}. Resume with: amsunet train --resume ${files.state}`, 130);
      }
    }
    const last = state.history[state.history.length - 1];
    const summary: TrainSummary = {
      bestValDice: state.bestValDice, bestEpoch: state.bestEpoch, epochs: cfg.epochs, epochsDone: state.epoch,
      seconds: Number(elapsed().toFixed(3)), params, finalValDice: last?.valDice ?? NaN, outDir, complete: state.epoch >= cfg.epochs,
      files: { best: files.best, last: files.last, state: files.state, metrics: files.metrics, curves: files.curves, overlays: files.overlays, summary: files.summary },
      config: fullCfg, model: mc, data: data.description,
    };
    writeFileAtomic(files.summary, JSON.stringify(summary, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n');
    return summary;
  }
}
