/** `amsunet predict` as a function: masks (and optional overlays) for images, through segmentImage. */
import { statSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join, basename, extname } from 'node:path';
import { makeOutputDir, writingOutput } from './output-paths.js';
import { loadModel } from './load-model.js';
import { writePng } from '../data/png.js';
import { listImages } from '../data/folder.js';
import { DataError, fsReason } from '../data/errors.js';
import { segmentImage, chooseTile, maskPixels, overlayPixels } from './segment.js';
import { readImageFile } from './read-image.js';
import { UsageError } from './errors.js';
import { setThreads } from './threads.js';

export interface PredictOptions {
  checkpoint?: string;
  input?: string;
  out?: string;
  overlay?: boolean;
  tta?: boolean;
  /** Sliding-window tile (default: the checkpoint's training size), or 'full' for the whole image in one pass. */
  size?: number | 'full';
  /** Normalisation for weights without our metadata (one value per channel). */
  mean?: number[];
  std?: number[];
  threads?: number;
  onImage?: (file: string, done: number, total: number) => void;
}

export interface PredictResult {
  outputs: { input: string; mask: string; overlay?: string; foreground: number; tile: number }[];
  seconds: number;
}

/** What a forward pass may use in this process: 80% of the machine's memory. */
export const forwardMemoryLimit = () => 0.8 * totalmem();

export function predict(o: PredictOptions): PredictResult {
  const t0 = performance.now();
  if (!o.input) throw new UsageError('--input is required (an image or a folder of them)');
  if (!o.out) throw new UsageError('--out is required (the folder for the masks)');
  if (o.threads !== undefined) setThreads(o.threads);
  const loaded = loadModel(o.checkpoint, { size: typeof o.size === 'number' ? o.size : undefined, mean: o.mean, std: o.std });
  let st;
  try {
    st = statSync(o.input);
  } catch (e) {
    throw new DataError(o.input, fsReason(e));
  }
  const inputs = st.isDirectory() ? [...listImages(o.input).values()] : [o.input];
  const maxBytes = forwardMemoryLimit();
  // Read and check every image (channels, memory at --size) before writing anything.
  const images = inputs.map((f) => {
    const img = readImageFile(f);
    const colour = img.channels >= 3 ? 3 : 1;
    if (colour !== loaded.config.inChannels) throw new DataError(f, `image has ${colour} channel(s) but the checkpoint expects ${loaded.config.inChannels}`);
    chooseTile(loaded.config, img.height, img.width, o.size, maxBytes);
    return { file: f, img };
  });
  makeOutputDir(o.out, '--out');
  const outputs: PredictResult['outputs'] = [];
  images.forEach(({ file, img }, i) => {
    const seg = segmentImage(loaded, img, { tta: o.tta, size: o.size, maxBytes, name: file });
    const { width: W, height: H } = seg;
    const stem = basename(file, extname(file));
    const maskPath = join(o.out!, `${stem}.png`);
    writingOutput(maskPath, '--out', () => writePng(maskPath, maskPixels(seg), W, H, 1));
    const rec: PredictResult['outputs'][number] = { input: file, mask: maskPath, foreground: seg.foreground, tile: seg.tile };
    if (o.overlay) {
      const overlay = join(o.out!, `${stem}_overlay.png`);
      rec.overlay = overlay;
      writingOutput(overlay, '--out', () => writePng(overlay, overlayPixels(img, seg), W, H, 3));
    }
    outputs.push(rec);
    o.onImage?.(file, i + 1, images.length);
  });
  return { outputs, seconds: (performance.now() - t0) / 1000 };
}
