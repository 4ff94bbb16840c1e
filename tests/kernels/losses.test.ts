/**
 * The cross-entropy and Dice backward kernels write every element of their pixels' gz, ignored pixels included,
 * and nothing else: run on a NaN-filled gz one pixel at a time from the last to the first (a work order in which
 * a write past a pixel's classes lands on a pixel already done), they give the bits of one in-order call on zeros;
 * and a call on one pixel leaves every other pixel's NaNs in place.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import {
  type LossGeom, crossEntropyForward, crossEntropyBackward, diceForward, diceBackward,
} from '../../src/kernels/losses.js';
import { randomArray } from '../helpers/random.js';
import { lossCaseArb } from '../helpers/loss-cases.js';

const IGNORE = -100;

/** Logits and targets (some ignored) for a random [N, C, S] geometry. */
const caseArb = lossCaseArb({ maxS: 5, maxIgnoreEvery: 4, ignore: IGNORE });

/** gz from `run` over [lo, hi) in one in-order call on zeros, and pixel by pixel in reverse on NaNs. */
function expectOrderFree(size: number, pixels: number, run: (gz: Float64Array, lo: number, hi: number) => void): void {
  const inOrder = new Float64Array(size);
  run(inOrder, 0, pixels);
  const reversed = new Float64Array(size).fill(NaN);
  for (let i = pixels - 1; i >= 0; i--) run(reversed, i, i + 1);
  expect(reversed).toEqual(inOrder);
  // and a call on one pixel writes that pixel's classes only (size / pixels of them), not the next pixel's
  for (let i = 0; i < pixels; i++) {
    const one = new Float64Array(size).fill(NaN);
    run(one, i, i + 1);
    expect(one.filter((v) => !Number.isNaN(v)).length).toBe(size / pixels);
  }
}

describe('loss backward kernels write exactly their own pixels', () => {
  test('cross-entropy (with and without class weights and label smoothing, per-pixel upstream)', () => {
    fc.assert(
      fc.property(caseArb, fc.boolean(), fc.constantFrom(0, 0.1), fc.boolean(), ({ g, z, target, seed }, weighted, smoothing, perPixel) => {
        const P = g.N * g.S;
        const weight = weighted ? randomArray(Float64Array, g.C, seed + 1, 'uniform').map((v) => 1.5 + v) : null;
        const [loss, weightOf, lse] = [new Float64Array(P), new Float64Array(P), new Float64Array(P)];
        crossEntropyForward(loss, weightOf, lse, z, target, weight, IGNORE, smoothing, g);
        const gyPixel = perPixel ? randomArray(Float64Array, P, seed + 2) : null;
        expectOrderFree(z.length, P, (gz, lo, hi) =>
          crossEntropyBackward(gz, z, target, weight, IGNORE, smoothing, lse, gyPixel, 0.7, g, lo, hi));
      }),
      { numRuns: 100, seed: 41 },
    );
  });

  test('Dice', () => {
    fc.assert(
      fc.property(caseArb, ({ g, z, target, seed }) => {
        const NC = g.N * g.C;
        const [inter, predSum, targetSum] = [new Float64Array(NC), new Float64Array(NC), new Float64Array(NC)];
        const prob = new Float64Array(z.length);
        diceForward(inter, predSum, targetSum, prob, z, target, IGNORE, g);
        // A, B: any per-(n, c) coefficients; the loss's own are functions of the statistics above
        const A = randomArray<Float64Array>(Float64Array, NC, seed + 3), B = randomArray<Float64Array>(Float64Array, NC, seed + 4);
        expectOrderFree(z.length, g.N * g.S, (gz, lo, hi) => diceBackward(gz, prob, target, IGNORE, A, B, -0.3, g, lo, hi));
      }),
      { numRuns: 100, seed: 42 },
    );
  });
});

test('cross-entropy backward with a zero upstream gradient and no smoothing is +0 everywhere (no -0 from the smoothing term)', () => {
  // 3 classes, the target's probability below 1/3: a·(p − 1) is −0 there, and 0·(C·p − 1) would be −0 too
  const g: LossGeom = { N: 1, C: 3, S: 2 };
  const z = Float64Array.from([-2, 1, 0, 0, 3, 0]); // pixel 0: target class 0 (p ≈ 0.04); pixel 1: class 1
  const target = Int32Array.from([0, 1]);
  const [loss, weightOf, lse] = [new Float64Array(2), new Float64Array(2), new Float64Array(2)];
  crossEntropyForward(loss, weightOf, lse, z, target, null, IGNORE, 0, g);
  const gz = new Float64Array(6).fill(NaN);
  crossEntropyBackward(gz, z, target, null, IGNORE, 0, lse, null, 0, g);
  expect(Array.from(gz).every((v) => Object.is(v, 0))).toBe(true);
});
