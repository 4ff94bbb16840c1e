/** What each subcommand does with its parsed flags: call the library function and print the result. */
import type { Layout } from '../data/layout.js';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FlagValues } from './args.js';
import { Progress, formatDuration } from './progress.js';
import { train, TRAIN_DEFAULTS, type TrainConfig, type TrainSummary, type ResumeOptions } from '../app/train.js';
import { loadStateDictFile } from '../io/checkpoint.js';
import { describeWeights } from '../app/model-from-weights.js';
import { evaluate, type Evaluation, type EvalSplit } from '../app/evaluate.js';
import { predict } from '../app/predict.js';
import { modelInfo, infoBytes, INFO_BYTES_LIMIT, type InfoOptions } from '../app/info.js';
import { loadModel } from '../app/load-model.js';
import { setThreads } from '../app/threads.js';
import { UsageError } from '../app/errors.js';
import type { ModelName } from '../app/model-config.js';
import { finiteOrNull } from '../metrics/report.js';

const num = (v: unknown) => (v === undefined ? undefined : Number(v));

/** "0.709,0.381,0.224" → numbers; a bad entry names the flag. */
export function numberList(flag: string, v: unknown): number[] | undefined {
  if (v === undefined) return undefined;
  const parts = String(v).split(',').map((x) => x.trim());
  const out = parts.map(Number);
  if (parts.some((x) => !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(x))) throw new UsageError(`${flag} must be numbers separated by commas, got ${JSON.stringify(String(v))}`);
  return out;
}

/** Set by the SIGINT handler; polled by the training loop after every step. */
let stopRequested = false;

function installSigint(p: Progress): () => void {
  const handler = () => {
    if (stopRequested) process.exit(130);
    stopRequested = true;
    p.line('interrupt: finishing the current step, then saving a resumable state (Ctrl-C again quits at once)', { event: 'interrupt' });
  };
  process.on('SIGINT', handler);
  return () => process.off('SIGINT', handler);
}

function trainConfig(v: FlagValues): TrainConfig {
  return {
    data: v.data as string | undefined,
    layout: v.layout as Layout | undefined,
    masks: v.masks as string | undefined,
    axis: v.axis === undefined ? undefined : (Number(v.axis) as 0 | 1 | 2),
    maskMode: v.maskMode as 'binary' | 'index' | undefined,
    classes: num(v.classes),
    valFraction: num(v.valFraction) ?? TRAIN_DEFAULTS.valFraction,
    syntheticCount: num(v.syntheticCount),
    syntheticSize: num(v.size),
    channels: v.channels === undefined ? undefined : (Number(v.channels) as 1 | 3),
    model: (v.model as ModelName | undefined) ?? TRAIN_DEFAULTS.model,
    baseC: num(v.baseC) ?? TRAIN_DEFAULTS.baseC,
    epochs: num(v.epochs) ?? TRAIN_DEFAULTS.epochs,
    batchSize: num(v.batchSize) ?? TRAIN_DEFAULTS.batchSize,
    lr: num(v.lr) ?? TRAIN_DEFAULTS.lr,
    weightDecay: num(v.weightDecay) ?? TRAIN_DEFAULTS.weightDecay,
    size: num(v.size),
    seed: num(v.seed) ?? TRAIN_DEFAULTS.seed,
    threads: num(v.threads),
    out: v.out as string | undefined,
    stopAfter: num(v.stopAfter),
    init: v.init as string | undefined,
    initStrict: v.initStrict === undefined ? undefined : v.initStrict === 'true',
    schedule: v.schedule as 'poly' | 'constant' | undefined,
  };
}

/** `--size N|full` of predict. */
function sizeOrFull(v: unknown): number | 'full' | undefined {
  if (v === undefined) return undefined;
  const s = String(v).trim();
  if (s === 'full') return 'full';
  if (!/^\d+$/.test(s) || Number(s) < 16 || Number(s) > 16384) throw new UsageError(`--size must be an integer from 16 to 16384, or full, got ${JSON.stringify(String(v))}`);
  return Number(s);
}

async function runTraining(cfg: TrainConfig, p: Progress, resume?: ResumeOptions): Promise<TrainSummary> {
  const remove = installSigint(p);
  try {
    return await train(
      cfg,
      {
        onStart: (i) => {
          const resumed = i.resumedFrom ? ` (resuming at epoch ${i.resumedFrom.epoch + 1}, step ${i.resumedFrom.step + 1})` : '';
          p.line(`data: ${i.description}`, { event: 'start', ...i });
          p.line(`model: ${i.config.model} baseC ${i.config.baseC}, ${i.params.toLocaleString('en-US')} parameters, ${i.config.inChannels} → ${i.config.numClasses} channels, size ${i.config.size}`);
          p.line(`output: ${i.outDir}${resumed}`);
          if (i.extended) p.line(`extending the run from ${i.extended.fromEpochs} to ${i.extended.toEpochs} epochs: ${i.extended.note}`);
          if (i.init) {
            p.line(`init: ${i.init.loaded} tensors from ${i.init.file}${i.init.skipped.length ? `; skipped ${i.init.skipped.length}: ${i.init.skipped.join(', ')}` : ''}`);
          }
        },
        onStep: (e) => p.step(e),
        onEpoch: (r) => p.epoch(r),
        shouldStop: () => stopRequested,
      },
      resume,
    );
  } finally {
    p.clear();
    remove();
  }
}

function printSummary(s: TrainSummary, p: Progress): void {
  const lines = [
    `${s.complete ? 'done' : `stopped after epoch ${s.epochsDone} of ${s.epochs}; resume with: amsunet train --resume ${s.files.state}`}`,
    `best val Dice ${s.bestValDice.toFixed(4)} at epoch ${s.bestEpoch}; ${s.epochsDone} epochs in ${formatDuration(s.seconds)}`,
    `outputs in ${s.outDir}: best.safetensors, last.safetensors, train_state.safetensors, metrics.csv, curves.svg, val_overlays.png, summary.json`,
  ];
  for (const l of lines) p.line(l);
  p.line('', { event: 'end', ...s });
}

export async function trainMain(v: FlagValues, given: Set<string> = new Set()): Promise<void> {
  if (v.classes !== undefined && v.maskMode !== 'index') throw new UsageError('--classes is only used with --mask-mode index (binary masks have 2 classes)');
  const p = Progress.auto(!!v.json);
  if (v.initStrict !== undefined && !v.init) throw new UsageError('--init-strict is only used with --init CKPT');
  if (v.resume) {
    const refused = [...given].filter((f) => !['resume', 'threads', 'json', 'stop-after', 'epochs'].includes(f));
    if (refused.length) throw new UsageError(`${refused.map((f) => `--${f}`).join(', ')} cannot be changed with --resume (the run continues with its saved settings; only --epochs, --stop-after and --threads apply)`);
  }
  const cfg = trainConfig(v);
  if (v.init && !v.resume) Object.assign(cfg, initArchitecture(v.init as string, cfg, given));
  const resume = v.resume ? { from: v.resume as string, epochs: given.has('epochs') ? num(v.epochs) : undefined } : undefined;
  const s = await runTraining(cfg, p, resume);
  printSummary(s, p);
}

/** With --init and no --model / --base-c, the architecture of the init weights. */
function initArchitecture(file: string, cfg: TrainConfig, given: Set<string>): Partial<TrainConfig> {
  const { stateDict, metadata } = loadStateDictFile(file);
  const { config } = describeWeights(stateDict, metadata, file);
  return { model: given.has('model') ? cfg.model : config.model, baseC: given.has('base-c') ? cfg.baseC : config.baseC };
}

function printEvaluation(e: Evaluation, p: Progress, csv?: string, listScored = true): void {
  const r = e.report;
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : 'inf');
  if (p.mode === 'json') {
    const { perImage, ...overall } = r;
    process.stdout.write(JSON.stringify({ ...overall, bySize: e.bySize, perImage, data: e.data, scored: e.scored, warning: e.warning, seconds: e.seconds, note: e.note }, finiteOrNull) + '\n');
    return;
  }
  if (e.note) p.line(`note: ${e.note}`);
  if (e.warning) process.stderr.write(`warning: ${e.warning}\n`);
  p.line(`data: ${e.data}`);
  const names = e.scored.names, shown = 8;
  if (listScored) p.line(`scored ${names.length} image${names.length === 1 ? '' : 's'}: ${names.slice(0, shown).join(', ')}${names.length > shown ? `, … (${names.length - shown} more; --csv lists them all)` : ''}`);
  p.line(`Dice (foreground) ${f(r.dice)}   mean image Dice ${f(r.meanImageDice)}`);
  p.line(`Dice per class    ${r.dicePerClass.map(f).join('  ')}`);
  p.line(`IoU per class     ${r.iouPerClass.map(f).join('  ')}   mean IoU ${f(r.meanIoU)}`);
  p.line(`pixel accuracy ${f(r.pixelAccuracy)}   sensitivity ${f(r.sensitivity)}   specificity ${f(r.specificity)}`);
  p.line(`HD95 ${f(r.hd95)} px (mean over ${r.images - r.hd95Infinite} images${r.hd95Infinite ? `; ${r.hd95Infinite} with an empty prediction or truth: inf` : ''})`);
  if (e.bySize) {
    const parts = Object.entries(e.bySize).map(([k, s]) => `${k} ${s.found}/${s.objects} (pixel recall ${f(s.pixelRecall)})`);
    p.line(`targets found by size: ${parts.join('   ')}`);
  }
  if (csv) p.line(`per-image metrics: ${csv}`);
}

export function evalMain(v: FlagValues): void {
  const p = Progress.auto(!!v.json);
  const e = evaluate({
    checkpoint: v.checkpoint as string | undefined, data: v.data as string | undefined, layout: v.layout as Layout | undefined, masks: v.masks as string | undefined,
    axis: v.axis === undefined ? undefined : (Number(v.axis) as 0 | 1 | 2), maskMode: v.maskMode as 'binary' | 'index' | undefined,
    syntheticCount: num(v.syntheticCount), channels: v.channels === undefined ? undefined : (Number(v.channels) as 1 | 3), seed: num(v.seed),
    csv: v.csv as string | undefined, tta: !!v.tta, size: num(v.size), threads: num(v.threads),
    mean: numberList('--mean', v.mean), std: numberList('--std', v.std), split: v.split as EvalSplit | undefined,
  });
  printEvaluation(e, p, v.csv as string | undefined);
}

export function predictMain(v: FlagValues): void {
  const p = Progress.auto(!!v.json);
  const r = predict({
    checkpoint: v.checkpoint as string | undefined, input: v.input as string | undefined, out: v.out as string | undefined,
    overlay: !!v.overlay, tta: !!v.tta, size: sizeOrFull(v.size), threads: num(v.threads),
    mean: numberList('--mean', v.mean), std: numberList('--std', v.std),
    onImage: (file, done, total) => p.line(`[${done}/${total}] ${file}`),
  });
  if (p.mode === 'json') process.stdout.write(JSON.stringify(r) + '\n');
  else p.line(`wrote ${r.outputs.length} mask${r.outputs.length === 1 ? '' : 's'}${v.overlay ? ' and overlays' : ''} to ${v.out} in ${formatDuration(r.seconds)}`);
}

/** info measures shapes and MACs with a real forward pass: refuse sizes whose pass would not fit in memory. */
function checkInfoMemory(o: InfoOptions): void {
  const need = infoBytes(o);
  if (need <= INFO_BYTES_LIMIT) return;
  const gb = (b: number) => `${(b / 1024 ** 3).toFixed(1)} GB`;
  throw new UsageError(`--size ${o.height}x${o.width} with --base-c ${o.baseC} needs about ${gb(need)} for the forward pass that info measures (limit ${gb(INFO_BYTES_LIMIT)}); use a smaller --size or --base-c (MACs grow with the pixel count)`);
}

export function infoMain(v: FlagValues): void {
  let info;
  if (v.checkpoint) {
    const { model, config } = loadModel(v.checkpoint as string);
    const [h, w] = (v.size as [number, number] | undefined) ?? [config.size, config.size];
    const o: InfoOptions = { model: config.model, inChannels: config.inChannels, numClasses: config.numClasses, baseC: config.baseC, height: h, width: w };
    checkInfoMemory(o);
    info = modelInfo(o, model);
  } else {
    const [h, w] = (v.size as [number, number] | undefined) ?? [256, 256];
    const o: InfoOptions = { model: (v.model as ModelName | undefined) ?? 'amsunet', inChannels: num(v.inChannels) ?? 3, numClasses: num(v.classes) ?? 2, baseC: num(v.baseC) ?? 32, height: h, width: w };
    checkInfoMemory(o);
    info = modelInfo(o);
  }
  if (v.json) {
    process.stdout.write(JSON.stringify(info) + '\n');
    return;
  }
  const out = [
    `${info.model} baseC ${info.baseC}, ${info.inChannels} input channel${info.inChannels > 1 ? 's' : ''}, ${info.numClasses} classes, input ${info.height}x${info.width}`,
    `parameters: ${info.params.toLocaleString('en-US')}`,
    `multiply-accumulates per image: ${(info.macs / 1e9).toFixed(3)} G (${info.macs.toLocaleString('en-US')}; convolutions and linear layers)`,
    '',
    `${'stage'.padEnd(10)}${'output shape'.padEnd(22)}${'parameters'.padStart(12)}${'MACs (M)'.padStart(12)}`,
    ...info.stages.map((s) => `${s.name.padEnd(10)}${`[${s.outputShape.join(', ')}]`.padEnd(22)}${s.params.toLocaleString('en-US').padStart(12)}${(s.macs / 1e6).toFixed(2).padStart(12)}`),
  ];
  process.stdout.write(out.join('\n') + '\n');
}

export function benchMain(v: FlagValues, rest: string[]): number {
  const script = fileURLToPath(new URL('../../bench/run.js', import.meta.url));
  if (!existsSync(script)) {
    process.stderr.write(`amsunet bench: the benchmark suite is not built (${script} is missing); run npm run build\n`);
    return 1;
  }
  const args = [script, ...rest];
  if (v.threads !== undefined) args.push('--threads', String(v.threads));
  if (v.json) args.push('--json');
  const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
  return r.status ?? 1;
}

/** The demo's settings: small enough for 3 minutes on 2 shared cores, large enough for Dice ≥ 0.90. */
export const DEMO = { baseC: 8, size: 48, syntheticCount: 80, epochs: 12, batchSize: 4, lr: 0.004 };

export async function demoMain(v: FlagValues): Promise<void> {
  const p = Progress.auto(!!v.json);
  const t0 = performance.now();
  if (v.threads !== undefined) setThreads(Number(v.threads));
  p.line(`amsunet demo: training a small AMSUnet (baseC ${DEMO.baseC}) on ${DEMO.syntheticCount} synthetic ${DEMO.size}x${DEMO.size} images, then evaluating it`);
  const cfg: TrainConfig = {
    model: 'amsunet', baseC: DEMO.baseC, epochs: num(v.epochs) ?? DEMO.epochs, batchSize: DEMO.batchSize, lr: DEMO.lr,
    weightDecay: TRAIN_DEFAULTS.weightDecay, seed: num(v.seed) ?? 0, syntheticCount: DEMO.syntheticCount, syntheticSize: DEMO.size,
    valFraction: 0.2, threads: num(v.threads), out: (v.out as string | undefined) ?? `runs/demo-${new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}`,
  };
  const s = await runTraining(cfg, p);
  if (!s.complete) {
    printSummary(s, p);
    return;
  }
  const e = evaluate({ checkpoint: s.files.best, syntheticCount: DEMO.syntheticCount, syntheticSize: DEMO.size, seed: cfg.seed, valFraction: 0.2 });
  p.line('');
  p.line(`evaluation of ${s.files.best} on the ${e.report.images} validation images:`);
  printEvaluation(e, p, undefined, false);
  const total = (performance.now() - t0) / 1000;
  p.line('');
  p.line(`demo finished in ${formatDuration(total)}: best validation Dice ${s.bestValDice.toFixed(4)} (epoch ${s.bestEpoch})`);
  p.line(`outputs in ${s.outDir}:`);
  for (const [k, f] of Object.entries(s.files)) p.line(`  ${k.padEnd(9)} ${f}`);
  p.line(`next: amsunet predict --checkpoint ${s.files.best} --input YOUR.png --out preds --overlay`);
  if (p.mode === 'json') process.stdout.write(JSON.stringify({ event: 'demo', seconds: total, bestValDice: s.bestValDice, evaluation: { ...e.report, perImage: undefined, bySize: e.bySize }, outDir: s.outDir }, finiteOrNull) + '\n');
}
