/** segmentImage: bit depths and alpha, normalisation (the checkpoint's or per-image), tiles, one pass, memory refusal. */
import { describe, expect, test } from 'vitest';
import { Module } from '../../src/nn/module.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { segmentImage, chooseTile, forwardBytes, imagePlanes, maskPixels, classFractions, type DecodedImage } from '../../src/app/segment.js';
import type { LoadedModel } from '../../src/app/model-from-weights.js';
import type { ModelConfig } from '../../src/app/model-config.js';

/** A per-pixel model: logit of class 1 = x[0] (the normalised first channel), class 0 = 0; records tile shapes. */
class Pointwise extends Module {
  calls: number[][] = [];
  forward(x: Tensor): Tensor {
    this.calls.push([...x.shape]);
    const [N, C, H, W] = x.shape;
    const out = new Float32Array(N * 2 * H * W);
    for (let n = 0; n < N; n++) for (let p = 0; p < H * W; p++) out[(n * 2 + 1) * H * W + p] = x.data[n * C * H * W + p];
    return new Tensor(out, [N, 2, H, W]);
  }
}

const config = (o: Partial<ModelConfig> = {}): ModelConfig => ({ model: 'amsunet', inChannels: 1, numClasses: 2, baseC: 8, size: 16, mean: [0.5], std: [0.25], maskMode: 'binary', ...o });
const loaded = (o: Partial<ModelConfig> = {}, hasNormalisation = true): LoadedModel & { model: Pointwise } => ({ model: new Pointwise(), config: config(o), hasNormalisation });

/** A W x H gray ramp: value 0 on the left edge, max on the right. */
function ramp(W: number, H: number, bitDepth: 8 | 16 = 8, channels = 1): DecodedImage {
  const max = 2 ** bitDepth - 1;
  const data = bitDepth === 8 ? new Uint8Array(W * H * channels) : new Uint16Array(W * H * channels);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < channels; c++) data[(y * W + x) * channels + c] = c === 3 ? max : Math.round((x / (W - 1)) * max);
  return { width: W, height: H, channels, bitDepth, data };
}

describe('segmentImage', () => {
  test('foreground where the normalised value is > 0: the checkpoint mean 0.5 splits the ramp in half', () => {
    const m = loaded();
    const s = segmentImage(m, ramp(20, 8));
    expect([s.width, s.height, s.numClasses, s.tile]).toEqual([20, 8, 2, 16]);
    for (let x = 0; x < 20; x++) expect(s.mask[3 * 20 + x]).toBe(x / 19 > 0.5 ? 1 : 0);
    expect(s.foreground).toBeCloseTo(10 / 20, 10);
    expect(classFractions(s)).toEqual([0.5, 0.5]);
    expect([...maskPixels(s).slice(0, 20)]).toEqual([...s.mask.slice(0, 20)].map((v) => v * 255));
  });

  test('the mean moves the boundary; without normalisation the image statistics are used', () => {
    const shifted = segmentImage(loaded({ mean: [0.25] }), ramp(20, 8));
    expect(shifted.foreground).toBeCloseTo(15 / 20, 10);
    const own = segmentImage(loaded({ mean: [0.9] }, false), ramp(20, 8));
    expect(own.foreground).toBeCloseTo(10 / 20, 10); // per-image mean of the ramp is 0.5
  });

  test('16-bit and RGBA images give the same mask as 8-bit gray (alpha dropped, scaled by bit depth)', () => {
    const gray = segmentImage(loaded(), ramp(20, 8));
    expect(segmentImage(loaded(), ramp(20, 8, 16)).mask).toEqual(gray.mask);
    const rgba = segmentImage(loaded({ inChannels: 3, mean: [0.5, 0, 0], std: [0.25, 1, 1] }), ramp(20, 8, 8, 4));
    expect(rgba.mask).toEqual(gray.mask);
    expect(imagePlanes(ramp(4, 1, 8, 2)).channels).toBe(1);
  });

  test('tiles of the training size by default, of --size when given, one pass with "full"', () => {
    const img = ramp(40, 24);
    let m = loaded();
    segmentImage(m, img);
    expect(m.model.calls.every((c) => c[2] === 16 && c[3] === 16)).toBe(true);
    expect(m.model.calls.length).toBeGreaterThan(4);
    m = loaded();
    expect(segmentImage(m, img, { size: 32 }).tile).toBe(32);
    expect(m.model.calls[0]).toEqual([1, 1, 24, 32]);
    m = loaded();
    expect(segmentImage(m, img, { size: 'full' }).tile).toBe(40);
    expect(m.model.calls).toEqual([[1, 1, 24, 40]]);
  });

  test('a tile that would not fit is refused in one line, before any forward pass', () => {
    const m = loaded();
    const need = forwardBytes(m.config, 24, 40);
    expect(() => segmentImage(m, ramp(40, 24), { size: 'full', maxBytes: need - 1 })).toThrow(/^--size full: the whole 40x24 image in one pass needs about .* GB, more than the .* available; use --size \d+ or less \(sliding window\)$/);
    expect(m.model.calls).toEqual([]);
    expect(chooseTile(config(), 24, 40, 'full', need)).toBe(40);
    expect(() => chooseTile(config(), 24, 40, 8)).toThrow(/--size must be an integer >= 16/);
  });

  test('a channel mismatch or inconsistent data is one line naming the image', () => {
    expect(() => segmentImage(loaded({ inChannels: 3, mean: [0, 0, 0], std: [1, 1, 1] }), ramp(8, 8), { name: 'a.png' })).toThrow(/a\.png: image has 1 channel\(s\) but the checkpoint expects 3/);
    expect(() => segmentImage(loaded(), { ...ramp(8, 8), width: 9 }, { name: 'b.png' })).toThrow(/b\.png: image data has 64 samples, 9x8x1 needs 72/);
  });
});
