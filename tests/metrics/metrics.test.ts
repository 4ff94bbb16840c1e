import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { ConfusionMatrix } from '../../src/metrics/confusion.js';
import { squaredDistanceTransform } from '../../src/metrics/distance-transform.js';
import { hd95, surface, percentile } from '../../src/metrics/hd95.js';
import { MetricsAccumulator, finiteOrNull, perImageCsv } from '../../src/metrics/report.js';

describe('confusion-matrix metrics (hand-computed)', () => {
  // truth 0 0 1 1 1 255 / pred 0 1 1 0 1 1 → t0p0 1, t0p1 1, t1p0 1, t1p1 2; the ignored pixel is not counted
  const cm = new ConfusionMatrix(2).update([0, 1, 1, 0, 1, 1], [0, 0, 1, 1, 1, 255]);
  test('counts, Dice, IoU, accuracy, sensitivity, specificity', () => {
    expect(Array.from(cm.counts)).toEqual([1, 1, 1, 2]);
    expect(cm.dicePerClass()).toEqual([2 / 4, 4 / 6]);
    expect(cm.iouPerClass()).toEqual([1 / 3, 2 / 4]);
    expect(cm.foregroundDice()).toBe(4 / 6);
    expect(cm.meanIoU()).toBe((1 / 3 + 1 / 2) / 2);
    expect(cm.pixelAccuracy()).toBe(3 / 5);
    expect(cm.sensitivity()).toBe(2 / 3);
    expect(cm.specificity()).toBe(1 / 2);
  });

  test('empty masks: Dice and IoU of two empty foregrounds are 1; empty truth with false positives is 0', () => {
    const both = new ConfusionMatrix(2).update([0, 0, 0], [0, 0, 0]);
    expect([both.foregroundDice(), both.iouPerClass()[1], both.sensitivity(), both.specificity()]).toEqual([1, 1, 1, 1]);
    const fp = new ConfusionMatrix(2).update([1, 0, 0], [0, 0, 0]);
    expect([fp.foregroundDice(), fp.specificity()]).toEqual([0, 2 / 3]);
    const miss = new ConfusionMatrix(2).update([0, 0], [1, 1]);
    expect([miss.foregroundDice(), miss.sensitivity(), miss.specificity()]).toEqual([0, 0, 1]);
  });

  test('three classes: foreground Dice is the mean over classes 1 and 2; sensitivity merges foreground classes', () => {
    // truth 0 1 2 2 / pred 0 2 2 1: class1 tp0 fp1 fn1 → 0; class2 tp1 fp1 fn1 → 2/4
    const m = new ConfusionMatrix(3).update([0, 2, 2, 1], [0, 1, 2, 2]);
    expect(m.dicePerClass()).toEqual([1, 0, 0.5]);
    expect(m.foregroundDice()).toBe(0.25);
    expect(m.sensitivity()).toBe(1); // every foreground pixel was called foreground (of some class)
    expect(() => m.update([3], [0])).toThrow('ConfusionMatrix.update: class id out of range 0..2 (truth 0, prediction 3)');
  });
});

const bruteSqDist = (feat: number[], H: number, W: number) =>
  feat.map((_, p) => {
    let best = Infinity;
    feat.forEach((f, q) => {
      if (f) best = Math.min(best, (Math.floor(p / W) - Math.floor(q / W)) ** 2 + ((p % W) - (q % W)) ** 2);
    });
    return best;
  });

describe('distance transform and HD95', () => {
  test('squared EDT equals brute force on random feature maps', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.array(fc.boolean(), { minLength: 81, maxLength: 81 }), fc.double({ min: 0, max: 1, noNaN: true }), (H, W, bits, density) => {
        const feat = bits.slice(0, H * W).map((b, i) => (b && (i * 0.618) % 1 < density ? 1 : 0));
        expect(Array.from(squaredDistanceTransform(feat, H, W))).toEqual(bruteSqDist(feat, H, W));
      }),
      { numRuns: 200, seed: 3 },
    );
  });

  test('surface: border of a square, image edges count as boundary', () => {
    const m = new Uint8Array(25);
    for (let y = 1; y <= 3; y++) for (let x = 1; x <= 3; x++) m[y * 5 + x] = 1;
    const s = surface(m, 5, 5);
    expect(s.reduce((a, b) => a + b, 0)).toBe(8);
    expect(s[2 * 5 + 2]).toBe(0);
    expect(Array.from(surface(new Uint8Array(4).fill(1), 2, 2))).toEqual([1, 1, 1, 1]);
  });

  test('percentile interpolates linearly like numpy', () => {
    expect(percentile([0, 10], 95)).toBe(9.5);
    expect(percentile([1, 2, 3, 4, 5], 95)).toBeCloseTo(4.8, 12);
  });

  test('hand cases: two single pixels; a 3x3 square shifted by one and by two columns', () => {
    const a = new Array(49).fill(0), b = new Array(49).fill(0);
    a[1 * 7 + 1] = 1;
    b[5 * 7 + 4] = 1; // (row 5, col 4) vs (row 1, col 1): distance 5
    expect(hd95(b, a, 7, 7)).toBe(5);
    const square = (c0: number) => {
      const m = new Array(49).fill(0);
      for (let y = 1; y <= 3; y++) for (let x = c0; x < c0 + 3; x++) m[y * 7 + x] = 1;
      return m;
    };
    // shift 1: 16 surface distances, eight 0 and eight 1 → 95th percentile 1
    expect(hd95(square(2), square(1), 7, 7)).toBe(1);
    // shift 2: P→T: cols 3 (0,0,0 on rows 1-3... col 3 of P = col 3 of T) → distances per P surface pixel:
    // (1,3)0 (1,4)1 (1,5)2 (2,3)0 (2,5)2 (3,3)0 (3,4)1 (3,5)2, and symmetric T→P → sorted [0×6, 1×4, 2×6];
    // position 15 * 0.95 = 14.25 → 2
    expect(hd95(square(3), square(1), 7, 7)).toBe(2);
  });

  test('sentinels: both empty → 0, one empty → Infinity (null in JSON); ignored truth pixels are background', () => {
    const z = new Array(16).fill(0), one = z.slice();
    one[5] = 1;
    expect(hd95(z, z, 4, 4)).toBe(0);
    expect(hd95(z, one, 4, 4)).toBe(Infinity);
    expect(hd95(one, z, 4, 4)).toBe(Infinity);
    const ign = z.slice();
    ign[5] = 255;
    expect(hd95(one, ign, 4, 4)).toBe(0); // the only predicted pixel lies in the ignored region
    expect(JSON.stringify({ hd95: Infinity }, finiteOrNull)).toBe('{"hd95":null}');
  });

  test('HD95 equals a brute-force surface distance percentile on random masks', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 64, maxLength: 64 }), fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 64, maxLength: 64 }), (p, t) => {
        const H = 8, W = 8;
        const got = hd95(p, t, H, W);
        if (!p.some(Boolean) || !t.some(Boolean)) return;
        const sp = Array.from(surface(Uint8Array.from(p), H, W)), st = Array.from(surface(Uint8Array.from(t), H, W));
        const dT = bruteSqDist(st, H, W), dP = bruteSqDist(sp, H, W);
        const d: number[] = [];
        sp.forEach((s, i) => s && d.push(Math.sqrt(dT[i])));
        st.forEach((s, i) => s && d.push(Math.sqrt(dP[i])));
        d.sort((x, y) => x - y);
        expect(got).toBeCloseTo(percentile(d, 95), 12);
      }),
      { numRuns: 100, seed: 5 },
    );
  });
});

describe('evaluation report', () => {
  test('pooled Dice, per-image Dice, HD95 mean over finite images, CSV', () => {
    const acc = new MetricsAccumulator(2);
    acc.add('a.png', [1, 1, 0, 0], [1, 0, 0, 0], 2, 2); // dice 2/3
    acc.add('b,c.png', [0, 0, 0, 0], [0, 0, 1, 1], 2, 2); // dice 0, hd95 inf
    acc.add('d.png', [0, 0, 0, 0], [0, 0, 0, 0], 2, 2); // dice 1, hd95 0
    const r = acc.report();
    expect(r.dice).toBe(2 / 5); // pooled: tp 1, fp 1, fn 2
    expect(r.meanImageDice).toBeCloseTo((2 / 3 + 0 + 1) / 3, 12);
    expect(r.hd95Infinite).toBe(1);
    // a.png: every pixel is on the image edge, so the surfaces are the masks: P→T distances [0, 1], T→P [0];
    // sorted [0, 0, 1], position 2 * 0.95 = 1.9 → 0.9. d.png gives 0; b,c.png (infinite) is left out of the mean.
    expect(r.perImage[0].hd95).toBeCloseTo(0.9, 12);
    expect(r.hd95).toBeCloseTo((0.9 + 0) / 2, 12);
    expect(perImageCsv(r).split('\n')[2]).toBe('"b,c.png",0,0,0.5,0,1,inf');
  });
});

describe('detection by target size', () => {
  test('objects found at half their pixels; pixel recall pooled per size class', async () => {
    const { SizeClassAccumulator } = await import('../../src/metrics/by-size.js');
    const acc = new SizeClassAccumulator();
    // targets: 1 small (2 px), 2 large (4 px), 3 small (2 px)
    const instances = [1, 1, 2, 2, 2, 2, 3, 3, 0];
    const pred = [1, 0, 1, 1, 1, 0, 0, 0, 1];
    acc.add(pred, instances, [{ size: 'small', area: 2 }, { size: 'large', area: 4 }, { size: 'small', area: 2 }]);
    expect(acc.report()).toEqual({ small: { objects: 2, found: 1, pixelRecall: 1 / 4 }, large: { objects: 1, found: 1, pixelRecall: 3 / 4 } });
  });
});
