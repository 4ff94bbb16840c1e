import { describe, expect, test } from 'vitest';
import { niceTicks, curvesSvg } from '../../src/viz/curves.js';
import { overlayMask, imageToRgb, maskToRgb } from '../../src/viz/overlay.js';
import { overlayGridPng } from '../../src/viz/grid.js';
import { imageFromPngBytes } from '../../src/data/png.js';

describe('curves.svg', () => {
  test('nice ticks use steps of 1, 2 or 5 times a power of ten', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0.13, 0.97, 4)).toEqual([0.2, 0.4, 0.6, 0.8]);
    expect(niceTicks(1, 10, 8)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(niceTicks(1, 300, 8)).toEqual([50, 100, 150, 200, 250, 300]);
    expect(niceTicks(5, 5)).toEqual([5, 5.2, 5.4, 5.6, 5.8, 6]);
  });

  test('two panels with one path per series, one marker per epoch, legends and the best epoch', () => {
    const h = [1, 2, 3].map((e) => ({ epoch: e, trainLoss: 1 / e, valLoss: 1.2 / e, valDice: 0.3 * e }));
    const svg = curvesSvg(h);
    expect(svg.startsWith('<?xml')).toBe(true);
    expect(svg.match(/<path /g)?.length).toBe(3);
    expect(svg.match(/<circle /g)?.length).toBe(9);
    for (const s of ['train loss', 'val loss', 'val Dice', '>Loss<', '>Dice<', '>epoch<', 'best val Dice 0.9000 at epoch 3']) expect(svg).toContain(s);
    // tags balance (a cheap well-formedness check)
    expect(svg.match(/<svg/g)?.length).toBe(svg.match(/<\/svg>/g)?.length);
    expect(curvesSvg([{ epoch: 1, trainLoss: NaN, valDice: 0.5 }])).toContain('val Dice'); // non-finite values are skipped
  });
});

describe('overlays', () => {
  test('gray image to RGB, tint inside, solid colour on the boundary, ignore not drawn', () => {
    const rgb = imageToRgb([0, 0.5, 1, 2, 0, 0, 0, 0, 0], 1, 3, 3);
    expect(Array.from(rgb.subarray(0, 12))).toEqual([0, 0, 0, 128, 128, 128, 255, 255, 255, 255, 255, 255]);
    const base = new Uint8Array(27).fill(100);
    const mask = [1, 1, 1, 1, 1, 1, 1, 1, 255];
    const out = overlayMask(base, mask, 3, 3, 0.5, [200, 0, 0]);
    expect(Array.from(out.subarray(0, 3))).toEqual([150, 50, 50]); // interior (no neighbour of another class): 50 % tint
    expect(Array.from(out.subarray(15, 18))).toEqual([200, 0, 0]); // (row 1, col 2) touches the ignored pixel: boundary
    expect(Array.from(out.subarray(24, 27))).toEqual([100, 100, 100]); // ignored pixel untouched
    expect(Array.from(maskToRgb([0, 2, 255], 1, 3))).toEqual([0, 0, 0, 40, 220, 40, 128, 128, 128]);
  });

  test('grid: one row per case, three tiles, scaled up', () => {
    const c = { image: new Float32Array(16).fill(0.5), channels: 1, height: 4, width: 4, truth: new Int32Array(16).fill(1), pred: new Int32Array(16) };
    const png = imageFromPngBytes(overlayGridPng([c, c], 40));
    expect([png.width, png.height, png.channels]).toEqual([3 * 40 + 4 * 4, 2 * 40 + 3 * 4, 3]);
    const at = (x: number, y: number, ch: number) => png.data[ch * png.width * png.height + y * png.width + x];
    expect(at(4 + 20, 4 + 20, 0)).toBeCloseTo(128 / 255, 6); // image tile: gray
    expect(at(4 + 40 + 4 + 20, 4 + 20, 1)).toBeGreaterThan(at(4 + 40 + 4 + 20, 4 + 20, 0)); // truth tile: green tint
    expect(at(0, 0, 0)).toBe(1); // white gap
  });
});
