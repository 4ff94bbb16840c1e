/** `amsunet predict` as a function: masks (and optional overlays) for PNG images. */
import { statSync } from 'node:fs';
import { makeOutputDir, writingOutput } from './output-paths.js';
import { join, basename, extname } from 'node:path';
import { loadModel } from './load-model.js';
import { writePng } from '../data/png.js';
import { readImage } from '../data/image-file.js';
import { listImages } from '../data/folder.js';
import { DataError, fsReason } from '../data/errors.js';
import { normalizeInPlace } from '../data/augment.js';
import { predictProbs, argmaxClasses } from './inference.js';
import { imageToRgb, overlayMask } from '../viz/overlay.js';
import { UsageError } from './errors.js';
import { setThreads } from './threads.js';

export interface PredictOptions {
  checkpoint?: string;
  input?: string;
  out?: string;
  overlay?: boolean;
  tta?: boolean;
  size?: number;
  /** Normalisation for weights without our metadata (one value per channel). */
  mean?: number[];
  std?: number[];
  threads?: number;
  onImage?: (file: string, done: number, total: number) => void;
}

export interface PredictResult {
  outputs: { input: string; mask: string; overlay?: string; foreground: number }[];
  seconds: number;
}

export function predict(o: PredictOptions): PredictResult {
  const t0 = performance.now();
  if (!o.input) throw new UsageError('--input is required (a .png image or a folder of them)');
  if (!o.out) throw new UsageError('--out is required (the folder for the masks)');
  if (o.threads !== undefined) setThreads(o.threads);
  const { model, config, hasNormalisation } = loadModel(o.checkpoint, { size: o.size, mean: o.mean, std: o.std });
  let st;
  try {
    st = statSync(o.input);
  } catch (e) {
    throw new DataError(o.input, fsReason(e));
  }
  const inputs = st.isDirectory() ? [...listImages(o.input).values()] : [o.input];
  // Read and check every image before writing anything.
  const images = inputs.map((f) => {
    const img = readImage(f);
    if (img.channels !== config.inChannels) throw new DataError(f, `image has ${img.channels} channel(s) but the checkpoint expects ${config.inChannels}`);
    return { file: f, img };
  });
  makeOutputDir(o.out, '--out');
  const outputs: PredictResult['outputs'] = [];
  images.forEach(({ file, img }, i) => {
    const { width: W, height: H, channels: C } = img;
    const x = Float32Array.from(img.data);
    if (hasNormalisation) normalizeInPlace(x, C, config.mean, config.std);
    else normalizeInPlace(x, C, ...perImageStats(x, C));
    const pred = argmaxClasses(predictProbs(model, x, C, H, W, config.numClasses, { tile: config.size, tta: o.tta }), config.numClasses, H, W);
    const stem = basename(file, extname(file));
    const maskPath = join(o.out!, `${stem}.png`);
    const binary = config.numClasses === 2;
    writingOutput(maskPath, '--out', () => writePng(maskPath, binary ? pred.map((v) => (v ? 255 : 0)) : pred, W, H, 1));
    const rec: PredictResult['outputs'][number] = { input: file, mask: maskPath, foreground: pred.reduce((a, v) => a + (v > 0 ? 1 : 0), 0) / (H * W) };
    if (o.overlay) {
      rec.overlay = join(o.out!, `${stem}_overlay.png`);
      const overlay = rec.overlay;
      writingOutput(overlay, '--out', () => writePng(overlay, overlayMask(imageToRgb(img.data, C, H, W), pred, H, W, 0.45, binary ? [255, 40, 40] : undefined), W, H, 3));
    }
    outputs.push(rec);
    o.onImage?.(file, i + 1, images.length);
  });
  return { outputs, seconds: (performance.now() - t0) / 1000 };
}

function perImageStats(x: Float32Array, C: number): [number[], number[]] {
  const plane = x.length / C, mean: number[] = [], std: number[] = [];
  for (let c = 0; c < C; c++) {
    let s = 0, q = 0;
    for (let p = c * plane; p < (c + 1) * plane; p++) (s += x[p]), (q += x[p] * x[p]);
    mean.push(s / plane);
    std.push(Math.sqrt(Math.max(q / plane - (s / plane) ** 2, 0)) || 1);
  }
  return [mean, std];
}
