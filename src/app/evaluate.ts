/** `amsunet eval` as a function: run a checkpoint over labelled images and report every metric. */
import { writeFileAtomic } from '../io/safetensors.js';
import { checkOutputFile, writingOutput } from './output-paths.js';
import { loadModel } from './load-model.js';
import { loadEvaluationData, type DataSource } from '../data/load.js';
import { computeNormStats, normalizedItem } from '../data/augment.js';
import { predictProbs, argmaxClasses } from './inference.js';
import { MetricsAccumulator, perImageCsv, type EvalReport } from '../metrics/report.js';
import { DataError } from '../data/errors.js';
import { setThreads } from './threads.js';
import type { ModelConfig } from './model-config.js';
import { SizeClassAccumulator, type SizeClassStats } from '../metrics/by-size.js';
import type { SyntheticSample } from '../data/synthetic.js';

export interface EvaluateOptions extends DataSource {
  checkpoint?: string;
  csv?: string;
  tta?: boolean;
  size?: number;
  /** Normalisation for weights without our metadata (one value per channel). */
  mean?: number[];
  std?: number[];
  threads?: number;
  /** Called after each image (for progress). */
  onImage?: (done: number, total: number) => void;
}

export interface Evaluation {
  report: EvalReport;
  config: ModelConfig;
  data: string;
  seconds: number;
  /** Set when mean/std came from the evaluated images (weights without our metadata). */
  note?: string;
  /** Synthetic data only: detection per target size class. */
  bySize?: Record<string, SizeClassStats>;
}

export function evaluate(o: EvaluateOptions): Evaluation {
  const t0 = performance.now();
  if (o.threads !== undefined) setThreads(o.threads);
  const { model, config, hasNormalisation } = loadModel(o.checkpoint, { size: o.size, mean: o.mean, std: o.std });
  const mode = o.maskMode ?? config.maskMode;
  const data = loadEvaluationData({ ...o, maskMode: mode, syntheticSize: o.syntheticSize ?? config.size, channels: o.channels ?? (config.inChannels === 3 ? 3 : 1) }, config.numClasses);
  if (data.channels !== config.inChannels) {
    throw new DataError(data.samples[0].name, `images have ${data.channels} channel(s) but the checkpoint ${o.checkpoint} expects ${config.inChannels}`);
  }
  if (o.csv) checkOutputFile(o.csv, '--csv');
  let note: string | undefined;
  if (!hasNormalisation) {
    Object.assign(config, computeNormStats(data.samples));
    note = 'the checkpoint has no normalisation statistics; using the mean/std of the evaluated images';
  }
  const acc = new MetricsAccumulator(config.numClasses);
  const sizes = new SizeClassAccumulator();
  let synthetic = false;
  data.samples.forEach((s, i) => {
    const it = normalizedItem(s, config.mean, config.std);
    const probs = predictProbs(model, it.image, s.channels, s.height, s.width, config.numClasses, { tile: config.size, tta: o.tta });
    const pred = argmaxClasses(probs, config.numClasses, s.height, s.width);
    acc.add(s.name, pred, s.mask, s.height, s.width);
    const syn = s as Partial<SyntheticSample>;
    if (syn.instances && syn.targets) {
      synthetic = true;
      sizes.add(pred, syn.instances, syn.targets);
    }
    o.onImage?.(i + 1, data.samples.length);
  });
  const report = acc.report();
  if (o.csv) writingOutput(o.csv, '--csv', () => writeFileAtomic(o.csv!, perImageCsv(report)));
  return { report, config, data: data.description, seconds: (performance.now() - t0) / 1000, note, bySize: synthetic ? sizes.report() : undefined };
}
