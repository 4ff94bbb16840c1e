import { describe, expect, test } from 'vitest';
import { Module } from '../../src/nn/module.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { predictProbs, argmaxClasses, windowStarts } from '../../src/app/inference.js';

/** A per-pixel model: logit of class 1 = 3 * x[0], class 0 = 0; records the tile shapes it was called with. */
class Pointwise extends Module {
  calls: number[][] = [];
  forward(x: Tensor): Tensor {
    this.calls.push([...x.shape]);
    const [N, , H, W] = x.shape;
    const out = new Float32Array(N * 2 * H * W);
    for (let n = 0; n < N; n++) for (let p = 0; p < H * W; p++) out[(n * 2 + 1) * H * W + p] = 3 * x.data[n * x.shape[1] * H * W + p];
    return new Tensor(out, [N, 2, H, W]);
  }
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

describe('whole-image inference', () => {
  test('window starts cover the image, the last window ends at the edge', () => {
    expect(windowStarts(10, 16, 12)).toEqual([0]);
    expect(windowStarts(40, 16, 12)).toEqual([0, 12, 24]);
    expect(windowStarts(41, 16, 12)).toEqual([0, 12, 24, 25]);
  });

  test('sliding window with blending equals one pass for a per-pixel model; TTA flips are undone', () => {
    const H = 37, W = 50;
    const img = Float32Array.from({ length: H * W }, (_, i) => Math.sin(i * 0.37));
    for (const tta of [false, true]) {
      const m = new Pointwise();
      const probs = predictProbs(m, img, 1, H, W, 2, { tile: 16, tta });
      expect(m.calls.every((s) => s[2] === 16 && s[3] === 16)).toBe(true);
      expect(m.calls.length).toBe((tta ? 4 : 1) * windowStarts(H, 16, 12).length * windowStarts(W, 16, 12).length);
      for (let p = 0; p < H * W; p++) {
        expect(probs[H * W + p]).toBeCloseTo(sigmoid(3 * img[p]), 5);
        expect(probs[p] + probs[H * W + p]).toBeCloseTo(1, 6);
      }
      expect(Array.from(argmaxClasses(probs, 2, H, W))).toEqual(Array.from(img, (v) => (3 * v > 0 ? 1 : 0)));
    }
  });

  test('images smaller than 16 pixels are padded for the model and cropped back', () => {
    const m = new Pointwise();
    const img = Float32Array.from({ length: 6 * 9 }, (_, i) => (i % 5) - 2);
    const probs = predictProbs(m, img, 1, 6, 9, 2, { tile: 32 });
    expect(m.calls).toEqual([[1, 1, 16, 16]]);
    expect(probs[6 * 9 + 8]).toBeCloseTo(sigmoid(3 * img[8]), 6);
  });
});
