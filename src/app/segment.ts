/**
 * One image in, one mask out: the library form of `amsunet predict` for a decoded image (also what `serve` runs).
 * Platform-neutral (no node:*), so the browser entry can export it.
 *
 * The image is scaled to [0, 1] by its bit depth (alpha dropped), normalised with the checkpoint's mean/std (or,
 * for weights without them, the image's own per-channel mean/std), and run by sliding window with tiles of the
 * training size (inference.ts), or of `size`, or in one pass with size 'full'. Before any work the memory of one
 * tile's forward pass is estimated and a tile that would not fit is refused with one line.
 */
import { predictProbs, argmaxClasses } from './inference.js';
import { normalizeInPlace } from '../data/augment.js';
import { DataError } from '../data/errors.js';
import { UsageError } from './errors.js';
import { imageToRgb, overlayMask } from '../viz/overlay.js';
import type { LoadedModel } from './model-from-weights.js';
import type { ModelConfig } from './model-config.js';

/** A decoded image: interleaved samples, row-major (the images helper's `decodeImage` returns this shape). */
export interface DecodedImage {
  width: number;
  height: number;
  /** 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA. */
  channels: number;
  bitDepth: 8 | 16;
  data: Uint8Array | Uint16Array;
  format?: string;
}

export interface SegmentOptions {
  /** Average over flips. */
  tta?: boolean;
  /** Tile side of the sliding window (default: the checkpoint's training size), or 'full' for one pass. */
  size?: number | 'full';
  /** Memory a tile's forward pass may take (default 4 GiB); a larger tile is refused. */
  maxBytes?: number;
  /** Name of the image in error messages. */
  name?: string;
}

export interface Segmentation {
  /** H x W class ids. */
  mask: Int32Array;
  width: number;
  height: number;
  numClasses: number;
  /** Share of pixels with a class other than 0. */
  foreground: number;
  seconds: number;
  /** The tile side used (equal to max(width, height) for one pass). */
  tile: number;
}

/**
 * A rough upper estimate of the memory of one inference forward pass (float32): weights (~2600 · baseC² values)
 * and a peak of ~140 · baseC live values per input pixel (measured: AMSUnet C32 at 512² peaks near 4.4 GB), plus
 * input, logits and the float64 probability sums of inference.ts.
 */
export function forwardBytes(c: Pick<ModelConfig, 'baseC' | 'inChannels' | 'numClasses'>, height: number, width: number): number {
  const pixels = height * width;
  return 4 * (2600 * c.baseC ** 2 + 140 * c.baseC * pixels) + (4 * c.inChannels + 12 * c.numClasses) * pixels;
}

/** CHW float planes in [0, 1], alpha dropped (1 or 3 channels). */
export function imagePlanes(image: DecodedImage, name = 'image'): { data: Float32Array; channels: 1 | 3 } {
  const { width: W, height: H, channels: C, data } = image;
  if (!(W > 0 && H > 0) || !(C >= 1 && C <= 4) || data.length !== W * H * C) throw new DataError(name, `image data has ${data.length} samples, ${W}x${H}x${C} needs ${W * H * C}`);
  const colour = C >= 3 ? 3 : 1;
  const plane = W * H, out = new Float32Array(colour * plane), scale = 1 / (2 ** image.bitDepth - 1);
  for (let p = 0; p < plane; p++) for (let c = 0; c < colour; c++) out[c * plane + p] = data[p * C + c] * scale;
  return { data: out, channels: colour };
}

/** Per-channel mean and std of CHW planes (std 1 for a flat channel). */
export function perImageStats(x: Float32Array, C: number): [number[], number[]] {
  const plane = x.length / C, mean: number[] = [], std: number[] = [];
  for (let c = 0; c < C; c++) {
    let s = 0, q = 0;
    for (let p = c * plane; p < (c + 1) * plane; p++) (s += x[p]), (q += x[p] * x[p]);
    mean.push(s / plane);
    std.push(Math.sqrt(Math.max(q / plane - (s / plane) ** 2, 0)) || 1);
  }
  return [mean, std];
}

/** The tile side for `size`, checked against the memory a forward pass of that tile needs. */
export function chooseTile(config: ModelConfig, height: number, width: number, size: number | 'full' | undefined, maxBytes = 4 * 1024 ** 3): number {
  if (size !== undefined && size !== 'full' && !(Number.isInteger(size) && size >= 16)) throw new UsageError(`--size must be an integer >= 16 or "full", got ${String(size)}`);
  const tile = size === 'full' ? Math.max(height, width) : (size ?? config.size);
  const need = forwardBytes(config, Math.min(tile, height), Math.min(tile, width));
  if (need > maxBytes) {
    const gb = (b: number) => `${(b / 1024 ** 3).toFixed(1)} GB`;
    const what = size === 'full' ? `the whole ${width}x${height} image in one pass` : `tiles of ${tile}x${tile}`;
    const fit = Math.floor(Math.sqrt(Math.max(0, maxBytes / 4 - 2600 * config.baseC ** 2) / (140 * config.baseC)) / 16) * 16;
    throw new UsageError(`--size ${size ?? tile}: ${what} needs about ${gb(need)}, more than the ${gb(maxBytes)} available; use --size ${Math.max(16, fit)} or less (sliding window)`);
  }
  return tile;
}

export function segmentImage(loaded: LoadedModel, image: DecodedImage, opts: SegmentOptions = {}): Segmentation {
  const t0 = performance.now();
  const { model, config, hasNormalisation } = loaded;
  const { width: W, height: H } = image;
  const tile = chooseTile(config, H, W, opts.size, opts.maxBytes);
  const { data: x, channels: C } = imagePlanes(image, opts.name);
  if (C !== config.inChannels) throw new DataError(opts.name ?? 'image', `image has ${C} channel(s) but the checkpoint expects ${config.inChannels}`);
  if (hasNormalisation) normalizeInPlace(x, C, config.mean, config.std);
  else normalizeInPlace(x, C, ...perImageStats(x, C));
  const K = config.numClasses;
  const mask = argmaxClasses(predictProbs(model, x, C, H, W, K, { tile, tta: opts.tta }), K, H, W);
  let fg = 0;
  for (let p = 0; p < mask.length; p++) if (mask[p] > 0) fg++;
  return { mask, width: W, height: H, numClasses: K, foreground: fg / (W * H), seconds: (performance.now() - t0) / 1000, tile };
}

/** The mask as PNG pixels: 0/255 for two classes, class ids otherwise. */
export function maskPixels(seg: Segmentation): Uint8Array {
  const out = new Uint8Array(seg.mask.length), binary = seg.numClasses === 2;
  for (let p = 0; p < out.length; p++) out[p] = binary ? (seg.mask[p] ? 255 : 0) : seg.mask[p];
  return out;
}

/** The prediction drawn over the image, as interleaved RGB pixels. */
export function overlayPixels(image: DecodedImage, seg: Segmentation): Uint8Array {
  const { data, channels } = imagePlanes(image);
  const rgb = imageToRgb(data, channels, seg.height, seg.width);
  return overlayMask(rgb, seg.mask, seg.height, seg.width, 0.45, seg.numClasses === 2 ? [255, 40, 40] : undefined);
}

/** Share of pixels per class. */
export function classFractions(seg: Segmentation): number[] {
  const n = new Array<number>(seg.numClasses).fill(0);
  for (let p = 0; p < seg.mask.length; p++) n[seg.mask[p]]++;
  return n.map((c) => c / seg.mask.length);
}
