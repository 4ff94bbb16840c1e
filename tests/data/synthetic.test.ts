import { describe, expect, test } from 'vitest';
import { syntheticSample, loadSyntheticDataset } from '../../src/data/synthetic.js';

describe('synthetic dataset', () => {
  test('seeded: the same (seed, index) gives the same sample, other seeds differ', () => {
    const a = syntheticSample(5, 3, 32, 3), b = syntheticSample(5, 3, 32, 3), c = syntheticSample(6, 3, 32, 3);
    expect(Array.from(a.image)).toEqual(Array.from(b.image));
    expect(Array.from(a.mask)).toEqual(Array.from(b.mask));
    expect(Array.from(a.image)).not.toEqual(Array.from(c.image));
  });

  test('sample i does not depend on count; last 20 % are validation', () => {
    const d1 = loadSyntheticDataset({ count: 10, size: 24, seed: 1 });
    const d2 = loadSyntheticDataset({ count: 20, size: 24, seed: 1 });
    expect([d1.train.length, d1.val.length]).toEqual([8, 2]);
    expect(Array.from(d1.train[3].image)).toEqual(Array.from(d2.train[3].image));
    expect(d1.val[0].name).toBe('synthetic/8');
    expect(d1.numClasses).toBe(2);
  });

  test('images lie in [0, 1]; masks are 0/1 and match the recorded target areas; all size classes occur', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const s = syntheticSample(0, i, 48, 1);
      for (const v of s.image) expect(v >= 0 && v <= 1).toBe(true);
      const fg = s.mask.reduce((a, b) => a + b, 0);
      expect(fg).toBe(s.targets.reduce((a, t) => a + t.area, 0));
      expect(fg).toBeGreaterThan(0);
      expect(fg).toBeLessThan(48 * 48 * 0.6);
      for (const t of s.targets) seen.add(t.size);
    }
    expect([...seen].sort()).toEqual(['large', 'medium', 'small', 'thin']);
  });

  test('targets are brighter than background on average, but no global threshold segments them well (Dice < 0.88)', () => {
    const ss = Array.from({ length: 10 }, (_, i) => syntheticSample(2, i, 48, 1));
    let fgSum = 0, fgN = 0, bgSum = 0, bgN = 0;
    for (const s of ss) s.mask.forEach((m, p) => (m ? ((fgSum += s.image[p]), fgN++) : ((bgSum += s.image[p]), bgN++)));
    expect(fgSum / fgN - bgSum / bgN).toBeGreaterThan(0.1);
    let bestDice = 0;
    for (let t = 0.2; t <= 0.8; t += 0.02) {
      let tp = 0, fp = 0, fn = 0;
      for (const s of ss) s.mask.forEach((m, p) => (s.image[p] > t ? (m ? tp++ : fp++) : m ? fn++ : 0));
      bestDice = Math.max(bestDice, (2 * tp) / (2 * tp + fp + fn));
    }
    expect(bestDice).toBeGreaterThan(0.5);
    expect(bestDice).toBeLessThan(0.88); // the task needs context (distractors, noise), not just brightness
  });

  test('bad sizes and counts are named', () => {
    expect(() => loadSyntheticDataset({ count: 1 })).toThrow('--synthetic-count: must be an integer >= 2, got 1');
    expect(() => loadSyntheticDataset({ size: 8 })).toThrow('--size: synthetic images must be at least 16 pixels, got 8');
  });
});
