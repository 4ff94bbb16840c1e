import { describe, expect, test } from 'vitest';
import { Generator } from '../../src/tensor/rng.js';
import { computeNormStats, resizeBilinear, resizeNearest, augmentSample, normalizedItem, collate, shuffledOrder, epochSeed } from '../../src/data/augment.js';
import type { Sample } from '../../src/data/sample.js';

const sample = (H: number, W: number, C = 1): Sample => ({
  name: 's', channels: C, height: H, width: W,
  image: Float32Array.from({ length: C * H * W }, (_, i) => (i % 7) / 7),
  mask: Int32Array.from({ length: H * W }, (_, i) => i % 3),
});

describe('augmentation', () => {
  test('normalisation statistics are per-channel mean and population std', () => {
    const s: Sample = { name: 'a', channels: 2, height: 1, width: 2, image: Float32Array.from([0, 1, 2, 2]), mask: new Int32Array(2) };
    const t: Sample = { ...s, image: Float32Array.from([1, 0, 4, 4]) };
    const { mean, std } = computeNormStats([s, t]);
    expect(mean).toEqual([0.5, 3]);
    expect(std[0]).toBeCloseTo(0.5, 12);
    expect(std[1]).toBeCloseTo(1, 12);
    expect(computeNormStats([{ ...s, image: new Float32Array(4).fill(0.3) }]).std.every((v) => v === 1)).toBe(true); // constant → 1, never 0
  });

  test('bilinear resize: identity at the same size, hand values on upscaling; nearest keeps labels', () => {
    const src = Float32Array.from([0, 4, 8, 12]);
    expect(Array.from(resizeBilinear(src, 1, 2, 2, 2, 2))).toEqual([0, 4, 8, 12]);
    // 1x2 → 1x4: source x = (i + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25 → clamped 0, 0.25, 0.75, 1
    expect(Array.from(resizeBilinear(Float32Array.from([0, 4]), 1, 1, 2, 1, 4))).toEqual([0, 1, 3, 4]);
    expect(Array.from(resizeNearest(Int32Array.from([1, 2, 3, 4]), 2, 2, 4, 4))).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
    expect(Array.from(resizeNearest(Int32Array.from([1, 2, 3, 4, 5, 6]), 1, 6, 1, 3))).toEqual([2, 4, 6]);
  });

  test('flips without resize reproduce the image mirrored and normalised', () => {
    const s = sample(3, 4);
    const o = { size: 3, scale: [1, 1] as [number, number], hflip: 1, vflip: 1, mean: [0.5], std: [2] };
    // size 3 < width 4: crop left offset 0 or 1 drawn from g; with W 4 and vflip, out(y, x) = src(2 - y, 3 - (left + x))
    const g = new Generator(1);
    const it = augmentSample({ ...s, height: 3 }, o, g);
    const g2 = new Generator(1);
    g2.uniform(); g2.uniform(); g2.uniform(); // scale, hflip, vflip draws
    const top = g2.int(0, 1), left = g2.int(0, 2);
    expect(top).toBe(0);
    for (let y = 0; y < 3; y++) for (let x = 0; x < 3; x++) {
      const sy = 2 - y, sx = 3 - (left + x);
      expect(it.mask[y * 3 + x]).toBe(s.mask[sy * 4 + sx]);
      expect(it.image[y * 3 + x]).toBeCloseTo((s.image[sy * 4 + sx] - 0.5) / 2, 6);
    }
  });

  test('images smaller than the crop are padded: image 0 before normalisation, mask 255', () => {
    const s = sample(2, 2);
    const it = augmentSample(s, { size: 4, scale: [1, 1], hflip: 0, vflip: 0, mean: [0.25], std: [0.5] }, new Generator(0));
    expect(Array.from(it.mask)).toEqual([0, 1, 255, 255, 2, 0, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255]);
    expect(it.image[2]).toBeCloseTo(-0.5, 6);
    expect(it.image[0]).toBeCloseTo((s.image[0] - 0.25) / 0.5, 6);
  });

  test('the same seed gives the same item; resize factors stay within 0.7-1.3', () => {
    const s = sample(20, 20, 3);
    const o = { size: 16, mean: [0, 0, 0], std: [1, 1, 1] };
    const a = augmentSample(s, o, new Generator(9)), b = augmentSample(s, o, new Generator(9));
    expect(Array.from(a.image)).toEqual(Array.from(b.image));
    expect([a.channels, a.height, a.width, a.image.length]).toEqual([3, 16, 16, 3 * 256]);
    let sawPad = false, sawNoPad = false;
    for (let k = 0; k < 50; k++) {
      const it = augmentSample(s, o, new Generator(k));
      if (it.mask.includes(255)) sawPad = true; else sawNoPad = true;
    }
    expect(sawPad && sawNoPad).toBe(true); // 20 * 0.7 = 14 < 16 pads, 20 * 1.3 = 26 does not
  });

  test('collate stacks into [N, C, H, W] float32 and [N, H, W] int32', () => {
    const items = [0, 1].map(() => normalizedItem(sample(2, 3, 2), [0, 0], [1, 1]));
    const { x, y } = collate(items);
    expect([x.shape, x.dtype, y.shape, y.dtype]).toEqual([[2, 2, 2, 3], 'float32', [2, 2, 3], 'int32']);
    expect(x.data[12 + 5]).toBe(items[1].image[5]);
  });

  test('epoch orders are permutations and differ between epochs', () => {
    const a = shuffledOrder(10, new Generator(epochSeed(0, 0))), b = shuffledOrder(10, new Generator(epochSeed(0, 1)));
    expect([...a].sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(a).not.toEqual(b);
  });
});
