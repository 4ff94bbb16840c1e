/**
 * Training, as the official recipe: AdamW (lr 0.002, weight decay 5e-5), LambdaLR with one epoch of linear warm-up
 * from 1e-3 then poly decay (power 0.9), stepped every iteration; loss = CE + Dice with ignore index 255; the
 * official augmentation; validation after every epoch; the best model kept by foreground Dice.
 *
 * Exact resume: the random draws of epoch e come from Generator(epochSeed(seed, e)) alone, so resuming at
 * (epoch, step) replays that epoch's draws up to `step` without computing, and continues bit-identically.
 *
 * Extending a run (resume with more epochs): the data order, augmentation and optimizer state continue exactly; the
 * schedule is re-planned for the new total. With --schedule constant the factor never depends on the total, so a
 * run extended from E to N epochs equals, bit for bit, a run asked for N and stopped after E (for E >= 2: a one-epoch
 * run has no warm-up). With the default poly decay it cannot: (1 − s/T)^0.9 depends on the total T, so the first E
 * epochs ran at a different lr than an N-epoch run's, and the lr jumps back up from ~0 when the extension starts.
 */
import { readdirSync, existsSync, rmdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Generator } from '../../tensor/rng.js';
import type { Module } from '../../nn/module.js';
import { AdamW } from '../../optim/adamw.js';
import { LambdaLR, warmupPoly, type LrLambda } from '../../optim/schedulers.js';
import { amsunetCriterion } from '../../nn/losses.js';
import { saveCheckpoint, loadCheckpoint, saveStateDict } from '../../io/checkpoint.js';
import { writeFileAtomic } from '../../io/safetensors.js';
import { loadTrainingData } from '../../data/load.js';
import type { Sample } from '../../data/sample.js';
import { augmentSample, collate, computeNormStats, epochSeed, shuffledOrder, normalizedItem } from '../../data/augment.js';
import { ConfusionMatrix } from '../../metrics/confusion.js';
import { curvesSvg } from '../../viz/curves.js';
import { overlayGridPng, type OverlayCase } from '../../viz/grid.js';
import { predictProbs, argmaxClasses } from '../inference.js';
import { buildModel, configMetadata, type ModelConfig } from '../model-config.js';
import { UsageError, RunStopped } from '../errors.js';
import { setThreads } from '../threads.js';
import { makeOutputDir } from '../output-paths.js';
import { dataSourceOf, splitMetadata, splitRecord } from '../data-split.js';
import { checkTrainMemory, chooseSize, stepsPerEpoch, DATA_SOURCE_KEYS, type TrainConfig } from './config.js';
import { readResumeState, TRAIN_STATE_KEY, type EpochRecord, type TrainState } from './state.js';
import { checkOutDir, defaultOutDir, metricsCsv, runFiles, writeSummary, type TrainSummary } from './outputs.js';
import { loadInitWeights, type InitReport } from './init.js';

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

export interface TrainEvents {
  onStart?(info: {
    outDir: string; description: string; params: number; config: ModelConfig; steps: number;
    resumedFrom?: { epoch: number; step: number }; extended?: TrainSummary['extended']; init?: InitReport;
  }): void;
  onStep?(e: StepEvent): void;
  onEpoch?(r: EpochRecord): void;
  /** Polled after every step: true finishes the step, saves a resumable state and stops (SIGINT). */
  shouldStop?(): boolean;
}

/** What --resume continues: a run folder or its train_state file, optionally extended to `epochs` in all. */
export interface ResumeOptions {
  from: string;
  epochs?: number;
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

/** The lr factor per scheduler step: the official warm-up + poly decay, or warm-up then constant. */
function lrSchedule(cfg: TrainConfig, steps: number): LrLambda {
  const warmup = cfg.epochs > 1;
  return warmupPoly({ itersPerEpoch: steps, epochs: cfg.epochs, warmup, warmupEpochs: 1, power: cfg.schedule === 'constant' ? 0 : 0.9 });
}

/** The run to continue, with its config (threads, stopAfter and a longer `epochs` taken from the caller). */
function resumeConfig(cfgIn: TrainConfig, r: ResumeOptions): { file: string; state: TrainState; cfg: TrainConfig; extended?: TrainSummary['extended'] } {
  const resumed = readResumeState(r.from);
  const old = resumed.state.config;
  const cfg: TrainConfig = { ...old, threads: cfgIn.threads, stopAfter: cfgIn.stopAfter, out: dirname(resumed.file) };
  if (r.epochs === undefined || r.epochs === old.epochs) return { ...resumed, cfg };
  const done = resumed.state.epoch + (resumed.state.step > 0 ? 1 : 0);
  if (r.epochs < done) throw new UsageError(`--epochs ${r.epochs}: the run already trained ${resumed.state.epoch} epoch${resumed.state.epoch === 1 ? '' : 's'}${resumed.state.step ? ' and part of the next' : ''}; give --epochs ${Math.max(done, resumed.state.epoch + 1)} or more`);
  const note = (cfg.schedule ?? 'poly') === 'constant' && old.epochs > 1
    ? `schedule re-planned for ${r.epochs} epochs (constant lr: identical to a run asked for ${r.epochs} epochs)`
    : `schedule re-planned for ${r.epochs} epochs: poly decay depends on the total, so epochs 1-${resumed.state.epoch} ran at the lr of a ${old.epochs}-epoch run, not of a ${r.epochs}-epoch one`;
  return { ...resumed, cfg: { ...cfg, epochs: r.epochs }, extended: { fromEpochs: old.epochs, toEpochs: r.epochs, atEpoch: resumed.state.epoch, note } };
}

/**
 * Train a model; `resume` continues the run saved in a run folder or its train_state file (its stored config is
 * used, with `threads` and `stopAfter` taken from `cfg`, and `epochs` from `resume.epochs` when given).
 */
export async function train(cfgIn: TrainConfig, events: TrainEvents = {}, resume?: string | ResumeOptions): Promise<TrainSummary> {
  const t0 = performance.now();
  const r = typeof resume === 'string' ? { from: resume } : resume;
  const resumed = r ? resumeConfig(cfgIn, r) : null;
  const cfg = resumed ? resumed.cfg : cfgIn;
  if (cfg.threads !== undefined) setThreads(cfg.threads);

  if (cfg.size !== undefined) checkTrainMemory(cfg, cfg.size, 3, 2); // before loading (synthetic data is made at --size)
  const data = loadTrainingData(cfg);
  const size = resumed ? resumed.state.config.size : chooseSize(cfg, data);
  checkTrainMemory(cfg, size, data.channels, data.numClasses);
  const norm = resumed ? { mean: resumed.state.modelConfig.mean, std: resumed.state.modelConfig.std } : computeNormStats(data.train);
  const mc: ModelConfig = { model: cfg.model, inChannels: data.channels, numClasses: data.numClasses, baseC: cfg.baseC, size, mean: norm.mean, std: norm.std, maskMode: cfg.maskMode ?? 'binary' };
  const model = buildModel(mc, cfg.seed);
  const init = cfg.init && !resumed ? loadInitWeights(model, mc, cfg.init, cfg.initStrict ?? true) : undefined;
  const params = model.parameters().reduce((a, p) => a + p.size, 0);
  const steps = stepsPerEpoch(data.train.length, cfg.batchSize, size);
  const optimizer = new AdamW(model.parameters(), { lr: cfg.lr, weightDecay: cfg.weightDecay });
  const scheduler = new LambdaLR(optimizer, lrSchedule(cfg, steps));
  const fullCfg = { ...cfg, size };
  const split = splitRecord(dataSourceOf(cfg as TrainConfig & Record<string, unknown>, DATA_SOURCE_KEYS), data);
  const metadata = { ...configMetadata(mc), ...splitMetadata(split) };

  let state: TrainState = { config: fullCfg, modelConfig: mc, epoch: 0, step: 0, history: [], bestValDice: -1, bestEpoch: 0, seconds: 0 };
  if (resumed) {
    loadCheckpoint(resumed.file, { model, optimizer, scheduler });
    state = { ...resumed.state, config: fullCfg };
  }
  const outDir = resolve(cfg.out ?? defaultOutDir());
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
    const files = runFiles(outDir);
    events.onStart?.({
      outDir, description: data.description, params, config: mc, steps,
      resumedFrom: resumed ? { epoch: state.epoch, step: state.step } : undefined, extended: resumed?.extended, init,
    });

    const saveState = () => saveCheckpoint(files.state, { model, optimizer, scheduler }, { ...metadata, [TRAIN_STATE_KEY]: JSON.stringify(state) });
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
      const meta = { ...metadata, epoch: String(epoch + 1), val_dice: String(v.dice) };
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
      files: { ...files }, config: fullCfg, model: mc, data: data.description,
      ...(resumed?.extended ? { extended: resumed.extended } : {}), ...(init ? { init } : {}),
    };
    writeSummary(files.summary, summary);
    return summary;
  }
}
