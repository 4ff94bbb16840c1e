/**
 * Whole-image inference: class probabilities for an image of any size.
 * Images no larger than the tile run in one forward pass. Larger ones run by sliding window: tiles of tile x tile at
 * a stride of tile·(1 − overlap), the last row/column of tiles aligned with the image edge, each tile's softmax
 * weighted by a tent window w(y, x) = (1 − |2y/(t−1) − 1|·0.9)·(1 − |2x/(t−1) − 1|·0.9) (centre pixels trusted
 * more than tile borders), summed and divided by the summed weights. With `tta`, the probabilities are averaged
 * over the identity, horizontal, vertical and both flips.
 * Images smaller than 16 pixels (the model's four stride-2 stages) are padded with the normalised value 0.
 */
import { Tensor } from '../tensor/tensor.js';
import { noGrad } from '../autograd/grad-mode.js';
import { tidy } from '../autograd/tidy.js';
import type { Module } from '../nn/module.js';

export interface InferenceOptions {
  /** Tile side (the training size). */
  tile: number;
  overlap?: number;
  tta?: boolean;
}

/** Softmax over the class axis of logits [1, K, H, W] into `out` (accumulated with weight w(y, x) · scale). */
function addSoftmax(logits: ArrayLike<number>, K: number, h: number, w: number, out: Float64Array, H: number, W: number, y0: number, x0: number, weight: (y: number, x: number) => number, flipH: boolean, flipV: boolean, scale: number): void {
  const plane = h * w;
  const e = new Float64Array(K);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const sy = flipV ? h - 1 - y : y, sx = flipH ? w - 1 - x : x;
      const p = sy * w + sx;
      let m = -Infinity;
      for (let k = 0; k < K; k++) m = Math.max(m, logits[k * plane + p]);
      let s = 0;
      for (let k = 0; k < K; k++) s += e[k] = Math.exp(logits[k * plane + p] - m);
      const wt = weight(y, x) * scale;
      const o = (y0 + y) * W + x0 + x;
      for (let k = 0; k < K; k++) out[k * H * W + o] += (e[k] / s) * wt;
    }
  }
}

/** Crop [C, h, w] at (y0, x0) out of [C, H, W], flipped as asked, zero-padded up to at least 16 x 16. */
function cropTile(img: Float32Array, C: number, H: number, W: number, y0: number, x0: number, h: number, w: number, flipH: boolean, flipV: boolean): { data: Float32Array; ph: number; pw: number } {
  const ph = Math.max(h, 16), pw = Math.max(w, 16);
  const data = new Float32Array(C * ph * pw);
  for (let c = 0; c < C; c++) {
    for (let y = 0; y < h; y++) {
      const sy = y0 + (flipV ? h - 1 - y : y);
      for (let x = 0; x < w; x++) {
        const sx = x0 + (flipH ? w - 1 - x : x);
        data[c * ph * pw + y * pw + x] = img[c * H * W + sy * W + sx];
      }
    }
  }
  return { data, ph, pw };
}

/** Start offsets of windows of size t covering n with stride s, the last one ending at n. */
export function windowStarts(n: number, t: number, s: number): number[] {
  if (n <= t) return [0];
  const out: number[] = [];
  for (let p = 0; p + t < n; p += s) out.push(p);
  out.push(n - t);
  return out;
}

/**
 * Class probabilities [K, H, W] (float32) for a normalised CHW image. The model is switched to eval mode.
 */
export function predictProbs(model: Module, image: Float32Array, C: number, H: number, W: number, numClasses: number, o: InferenceOptions): Float32Array {
  model.eval();
  const K = numClasses;
  const t = o.tile;
  const th = Math.min(t, H), tw = Math.min(t, W);
  const stride = Math.max(1, Math.round(t * (1 - (o.overlap ?? 0.25))));
  const sum = new Float64Array(K * H * W);
  const wsum = new Float64Array(H * W);
  const tiled = H > t || W > t;
  const tent = (n: number) => (i: number) => (n <= 1 ? 1 : 1 - Math.abs((2 * i) / (n - 1) - 1) * 0.9);
  const wy = tiled ? tent(th) : () => 1, wx = tiled ? tent(tw) : () => 1;
  const weight = (y: number, x: number) => wy(y) * wx(x);
  const flips: [boolean, boolean][] = o.tta ? [[false, false], [true, false], [false, true], [true, true]] : [[false, false]];
  noGrad(() => {
    for (const y0 of windowStarts(H, th, stride)) {
      for (const x0 of windowStarts(W, tw, stride)) {
        for (const [fh, fv] of flips) {
          const { data, ph, pw } = cropTile(image, C, H, W, y0, x0, th, tw, fh, fv);
          // tidy: the activations of this tile go back to the buffer pool for the next one
          tidy(() => {
            const logits = model.forward(new Tensor(data, [1, C, ph, pw]));
            // Undo the padding: read the top-left th x tw of the padded logits.
            const l = logits.data;
            const crop = ph === th && pw === tw ? l : sliceLogits(l, K, ph, pw, th, tw);
            addSoftmax(crop, K, th, tw, sum, H, W, y0, x0, weight, fh, fv, 1 / flips.length);
          });
        }
        for (let y = 0; y < th; y++) for (let x = 0; x < tw; x++) wsum[(y0 + y) * W + x0 + x] += weight(y, x);
      }
    }
  });
  const out = new Float32Array(K * H * W);
  for (let k = 0; k < K; k++) for (let p = 0; p < H * W; p++) out[k * H * W + p] = sum[k * H * W + p] / wsum[p];
  return out;
}

function sliceLogits(l: ArrayLike<number>, K: number, ph: number, pw: number, h: number, w: number): Float32Array {
  const out = new Float32Array(K * h * w);
  for (let k = 0; k < K; k++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[k * h * w + y * w + x] = l[k * ph * pw + y * pw + x];
  return out;
}

/** Arg-max over classes: [K, H, W] probabilities → H x W class ids. */
export function argmaxClasses(probs: Float32Array, K: number, H: number, W: number): Int32Array {
  const out = new Int32Array(H * W);
  for (let p = 0; p < H * W; p++) {
    let best = 0;
    for (let k = 1; k < K; k++) if (probs[k * H * W + p] > probs[best * H * W + p]) best = k;
    out[p] = best;
  }
  return out;
}
