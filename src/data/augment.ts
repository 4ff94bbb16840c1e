/**
 * The official training augmentation (SegmentationPresetTrain of the reference code), in the same order:
 *   random resize by a factor s ~ U(0.7, 1.3) (image bilinear, mask nearest) → horizontal flip (p 0.5) →
 *   vertical flip (p 0.5) → pad to at least size x size (image with 0, mask with 255 = ignore, as T.RandomCrop's
 *   pad_if_smaller does) → random size x size crop → normalise (x - mean[c]) / std[c].
 * Every random draw comes from the Generator passed in, so a run is reproduced by its seed.
 * Validation images are only normalised.
 */
import { Generator } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { type Sample, IGNORE_INDEX } from './sample.js';

export interface AugmentOptions {
  /** Crop side (the training size). */
  size: number;
  /** Resize factor range; default [0.7, 1.3]. */
  scale?: [number, number];
  hflip?: number;
  vflip?: number;
  mean: number[];
  std: number[];
}

export interface Item {
  channels: number;
  height: number;
  width: number;
  image: Float32Array;
  mask: Int32Array;
}

/** Per-channel mean and standard deviation over all pixels of the given images (population std, accumulated in doubles). */
export function computeNormStats(samples: readonly Sample[]): { mean: number[]; std: number[] } {
  const C = samples[0].channels;
  const sum = new Float64Array(C), sq = new Float64Array(C);
  let n = 0;
  for (const s of samples) {
    const plane = s.height * s.width;
    for (let c = 0; c < C; c++) {
      for (let p = 0; p < plane; p++) {
        const v = s.image[c * plane + p];
        sum[c] += v;
        sq[c] += v * v;
      }
    }
    n += plane;
  }
  const mean = Array.from(sum, (v) => v / n);
  const std = Array.from(sq, (v, c) => Math.sqrt(Math.max(v / n - mean[c] * mean[c], 0)) || 1);
  return { mean, std };
}

/**
 * Bilinear resize of CHW planes, half-pixel centres (align_corners = false):
 * source coordinate of output pixel i is (i + 0.5) * in / out - 0.5, clamped to the image.
 */
export function resizeBilinear(src: Float32Array, C: number, H: number, W: number, oH: number, oW: number): Float32Array {
  const out = new Float32Array(C * oH * oW);
  for (let y = 0; y < oH; y++) {
    const sy = Math.min(H - 1, Math.max(0, ((y + 0.5) * H) / oH - 0.5));
    const y0 = Math.floor(sy), y1 = Math.min(H - 1, y0 + 1), fy = sy - y0;
    for (let x = 0; x < oW; x++) {
      const sx = Math.min(W - 1, Math.max(0, ((x + 0.5) * W) / oW - 0.5));
      const x0 = Math.floor(sx), x1 = Math.min(W - 1, x0 + 1), fx = sx - x0;
      for (let c = 0; c < C; c++) {
        const b = c * H * W;
        const top = src[b + y0 * W + x0] * (1 - fx) + src[b + y0 * W + x1] * fx;
        const bot = src[b + y1 * W + x0] * (1 - fx) + src[b + y1 * W + x1] * fx;
        out[c * oH * oW + y * oW + x] = top * (1 - fy) + bot * fy;
      }
    }
  }
  return out;
}

/** Nearest-neighbour resize of an H x W label map: source pixel floor((i + 0.5) * in / out). */
export function resizeNearest(src: Int32Array, H: number, W: number, oH: number, oW: number): Int32Array {
  const out = new Int32Array(oH * oW);
  for (let y = 0; y < oH; y++) {
    const sy = Math.min(H - 1, Math.floor(((y + 0.5) * H) / oH));
    for (let x = 0; x < oW; x++) out[y * oW + x] = src[sy * W + Math.min(W - 1, Math.floor(((x + 0.5) * W) / oW))];
  }
  return out;
}

/** Normalise CHW planes in place: (x - mean[c]) / std[c]. */
export function normalizeInPlace(image: Float32Array, channels: number, mean: number[], std: number[]): Float32Array {
  const plane = image.length / channels;
  for (let c = 0; c < channels; c++) {
    const m = mean[c], inv = 1 / std[c];
    for (let p = c * plane; p < (c + 1) * plane; p++) image[p] = (image[p] - m) * inv;
  }
  return image;
}

/** One augmented, normalised size x size training item. */
export function augmentSample(s: Sample, o: AugmentOptions, g: Generator): Item {
  const [lo, hi] = o.scale ?? [0.7, 1.3];
  const C = s.channels;
  const f = lo + (hi - lo) * g.uniform();
  const H = Math.max(1, Math.round(s.height * f)), W = Math.max(1, Math.round(s.width * f));
  const image = resizeBilinear(s.image, C, s.height, s.width, H, W);
  const mask = resizeNearest(s.mask, s.height, s.width, H, W);
  const hflip = g.uniform() < (o.hflip ?? 0.5);
  const vflip = g.uniform() < (o.vflip ?? 0.5);
  const S = o.size;
  const pH = Math.max(H, S), pW = Math.max(W, S);
  const top = g.int(0, pH - S + 1), left = g.int(0, pW - S + 1);
  const outImg = new Float32Array(C * S * S);
  const outMask = new Int32Array(S * S).fill(IGNORE_INDEX);
  // Output pixel (y, x) of the crop reads padded pixel (top + y, left + x) of the flipped image; padding lies at the
  // bottom/right (as T.RandomCrop's pad), i.e. outside [0, H) x [0, W) of the flipped image.
  for (let y = 0; y < S; y++) {
    const py = top + y;
    if (py >= H) continue;
    const sy = vflip ? H - 1 - py : py;
    for (let x = 0; x < S; x++) {
      const px = left + x;
      if (px >= W) continue;
      const sx = hflip ? W - 1 - px : px;
      outMask[y * S + x] = mask[sy * W + sx];
      for (let c = 0; c < C; c++) outImg[c * S * S + y * S + x] = image[c * H * W + sy * W + sx];
    }
  }
  // Padded image pixels hold 0 before normalisation, as in the reference (pad, then ToTensor, then Normalize).
  normalizeInPlace(outImg, C, o.mean, o.std);
  return { channels: C, height: S, width: S, image: outImg, mask: outMask };
}

/** An un-augmented, normalised copy of a sample (validation and inference). */
export function normalizedItem(s: Sample, mean: number[], std: number[]): Item {
  return { channels: s.channels, height: s.height, width: s.width, image: normalizeInPlace(Float32Array.from(s.image), s.channels, mean, std), mask: s.mask };
}

/** Stack items of equal size into x [N, C, H, W] float32 and y [N, H, W] int32. */
export function collate(items: readonly Item[]): { x: Tensor; y: Tensor } {
  const { channels: C, height: H, width: W } = items[0];
  const x = new Float32Array(items.length * C * H * W);
  const y = new Int32Array(items.length * H * W);
  items.forEach((it, n) => {
    x.set(it.image, n * C * H * W);
    y.set(it.mask, n * H * W);
  });
  return { x: new Tensor(x, [items.length, C, H, W]), y: new Tensor(y, [items.length, H, W]) };
}

/** Mix a run seed with an epoch number into the seed of that epoch's generator (so any epoch can be replayed alone). */
export function epochSeed(seed: number, epoch: number): number {
  let h = (Math.imul(seed >>> 0, 0x27d4eb2f) ^ Math.imul(epoch + 0x9e37, 0x165667b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b) >>> 0;
  return (h ^ (h >>> 13)) >>> 0;
}

/** The sample order of one epoch: a Fisher-Yates shuffle drawn from `g`. */
export function shuffledOrder(n: number, g: Generator): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = g.int(0, i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}
