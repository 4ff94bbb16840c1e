/** `amsunet eval` as a function: run a checkpoint over labelled images and report every metric. */
import { writeFileAtomic } from '../io/safetensors.js';
import { checkOutputFile, writingOutput } from './output-paths.js';
import { loadModel } from './load-model.js';
import { loadEvaluationData, loadTrainingData, type DataSource } from '../data/load.js';
import { splitFromMetadata, sameSource, imagePrint, type DataSplitRecord } from './data-split.js';
import { UsageError } from './errors.js';
import type { Sample } from '../data/sample.js';
import { computeNormStats, normalizedItem } from '../data/augment.js';
import { predictProbs, argmaxClasses } from './inference.js';
import { MetricsAccumulator, perImageCsv, type EvalReport } from '../metrics/report.js';
import { DataError } from '../data/errors.js';
import { setThreads } from './threads.js';
import type { ModelConfig } from './model-config.js';
import { SizeClassAccumulator, type SizeClassStats } from '../metrics/by-size.js';
import type { SyntheticSample } from '../data/synthetic.js';

/** Which images of the training data to score: the held-out part (default), the training part, or both. */
export type EvalSplit = 'val' | 'train' | 'all';

export interface EvaluateOptions extends DataSource {
  checkpoint?: string;
  /**
   * With a checkpoint that records its data split (ours, from train), and --data naming the same data or no --data:
   * the part of that split to score (default val). Other data is scored whole.
   */
  split?: EvalSplit;
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
  /** What was scored: the split of the training data (or null for other data) and the image names. */
  scored: { split: EvalSplit | null; names: string[] };
  /** Set when some scored images are images the model was trained on. */
  warning?: string;
}

/**
 * The images to score. With the checkpoint's split record and the training data (no --data, or the same --data):
 * that data split as in training, the part `split`; otherwise what loadEvaluationData gives for --data.
 */
function evaluationSamples(o: EvaluateOptions, record: DataSplitRecord | null, config: ModelConfig, mode: 'binary' | 'index'): { samples: Sample[]; channels: number; description: string; split: EvalSplit | null } {
  const given: DataSource = { ...o, maskMode: mode };
  const isTrainingData = record !== null && (o.data === undefined ? true : sameSource(record.source, given));
  if (!isTrainingData) {
    if (o.split) {
      throw new UsageError(
        record ? `--split ${o.split}: --data ${o.data} is not the data ${o.checkpoint} was trained on (${record.source.data ?? 'the synthetic set'}); without --split every image of it is scored` : `--split ${o.split}: ${o.checkpoint} does not record the data split it was trained with (trained elsewhere or by an older version)`,
      );
    }
    const d = loadEvaluationData({ ...o, maskMode: mode, syntheticSize: o.syntheticSize ?? config.size, channels: o.channels ?? (config.inChannels === 3 ? 3 : 1) }, config.numClasses);
    return { ...d, split: null };
  }
  const split = o.split ?? 'val';
  const d = loadTrainingData(record!.source);
  const same = (a: Sample[], names: string[]) => a.length === names.length && a.every((x, i) => x.name === names[i]);
  if (!same(d.train, record!.train.names) || !same(d.val, record!.val.names)) {
    throw new DataError(record!.source.data ?? 'synthetic data', `the images differ from the ${record!.train.count} + ${record!.val.count} that ${o.checkpoint} was trained and validated on (files added, removed or renamed); give --data with another folder to score it whole`);
  }
  const samples = split === 'val' ? d.val : split === 'train' ? d.train : [...d.train, ...d.val];
  const part = split === 'val' ? 'the validation part' : split === 'train' ? 'the training part' : 'the training and validation parts';
  return { samples, channels: d.channels, description: `${d.description}: ${part}`, split };
}

export function evaluate(o: EvaluateOptions): Evaluation {
  const t0 = performance.now();
  if (o.threads !== undefined) setThreads(o.threads);
  const { model, config, hasNormalisation, metadata } = loadModel(o.checkpoint, { size: o.size, mean: o.mean, std: o.std });
  const mode = o.maskMode ?? config.maskMode;
  const record = splitFromMetadata(metadata, o.checkpoint!);
  const data = evaluationSamples(o, record, config, mode);
  if (data.samples.length === 0) throw new DataError(o.data ?? 'synthetic data', `no images in ${data.description}`);
  if (data.channels !== config.inChannels) {
    throw new DataError(data.samples[0].name, `images have ${data.channels} channel(s) but the checkpoint ${o.checkpoint} expects ${config.inChannels}`);
  }
  // Images the model trained on, found by their pixels (any path or name).
  let warning: string | undefined;
  if (record) {
    const prints = new Set(record.trainPrints);
    const seen = data.samples.filter((x) => prints.has(imagePrint(x))).length;
    if (seen > 0) warning = `${seen} of the ${data.samples.length} scored images ${seen === 1 ? 'is an image' : 'are images'} the model was trained on: these scores overstate how it does on new images`;
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
  return {
    report, config, data: data.description, seconds: (performance.now() - t0) / 1000, note, bySize: synthetic ? sizes.report() : undefined,
    scored: { split: data.split, names: data.samples.map((x) => x.name) }, warning,
  };
}
