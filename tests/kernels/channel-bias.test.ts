/**
 * The unrolled channel-bias kernels against naive loops: the add bit-identical in both types; the sum exactly
 * equal to a replay of its documented summation order, exact on integer data (float64), within the double
 * summation bound of the exact sum on random data (float32), and independent of the work-range split.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { addChannelBias, channelSum } from '../../src/kernels/channel-bias.js';
import { randomArray } from '../helpers/random.js';

type Ctor = typeof Float32Array | typeof Float64Array;
const ctors: [string, Ctor][] = [['float32', Float32Array], ['float64', Float64Array]];

/** N images of C planes of `plane` elements; plane sizes cover every remainder mod 4 and the empty plane. */
const layoutArb = fc.record({
  N: fc.integer({ min: 0, max: 4 }),
  C: fc.integer({ min: 1, max: 6 }),
  plane: fc.integer({ min: 0, max: 23 }),
  seed: fc.nat(1 << 20),
});

function naiveAdd(y: Float32Array | Float64Array, b: Float32Array | Float64Array, C: number, plane: number, lo: number, hi: number): void {
  for (let p = lo; p < hi; p++) for (let i = 0; i < plane; i++) y[p * plane + i] += b[p % C];
}

/** The documented order: lanes s[i mod 4] over each plane's body, the tail into s0, then (s0 + s1) + (s2 + s3). */
function orderedSum(gy: ArrayLike<number>, N: number, C: number, plane: number, c: number): number {
  const s = [0, 0, 0, 0];
  const body = plane - (plane % 4);
  for (let n = 0; n < N; n++) {
    for (let i = 0; i < plane; i++) s[i < body ? i % 4 : 0] += gy[(n * C + c) * plane + i];
  }
  return (s[0] + s[1]) + (s[2] + s[3]);
}

describe('addChannelBias', () => {
  test.each(ctors)('%s: bit-identical to the naive loop, for any work range', (_, Ctor) => {
    fc.assert(
      fc.property(layoutArb, fc.nat(), fc.nat(), ({ N, C, plane, seed }, a, z) => {
        const planes = N * C;
        const lo = planes ? a % (planes + 1) : 0;
        const hi = lo + (planes - lo ? z % (planes - lo + 1) : 0);
        const y = randomArray(Ctor, planes * plane, seed);
        const b = randomArray(Ctor, C, seed + 1);
        const ref = y.slice();
        naiveAdd(ref, b, C, plane, lo, hi);
        addChannelBias(y, b, C, plane, lo, hi);
        expect(y).toEqual(ref);
      }),
      { numRuns: 300, seed: 41 },
    );
  });
});

describe('channelSum', () => {
  test.each(ctors)('%s: the documented summation order exactly, and any split gives the same bits', (_, Ctor) => {
    fc.assert(
      fc.property(layoutArb, fc.nat(), ({ N, C, plane, seed }, cut) => {
        const gy = randomArray(Ctor, N * C * plane, seed);
        const gb = new Ctor(C).fill(NaN);
        channelSum(gb, gy, N, C, plane);
        for (let c = 0; c < C; c++) expect(gb[c]).toBe(new Ctor([orderedSum(gy, N, C, plane, c)])[0]);
        const k = cut % (C + 1);
        const split = new Ctor(C).fill(NaN);
        channelSum(split, gy, N, C, plane, 0, k);
        channelSum(split, gy, N, C, plane, k, C);
        expect(split).toEqual(gb);
      }),
      { numRuns: 300, seed: 42 },
    );
  });

  test('float64: exact on integer data (every partial sum is representable)', () => {
    fc.assert(
      fc.property(layoutArb, ({ N, C, plane, seed }) => {
        const gy = randomArray(Float64Array, N * C * plane, seed).map((v) => Math.round(v * 1000));
        const gb = new Float64Array(C);
        channelSum(gb, gy, N, C, plane);
        for (let c = 0; c < C; c++) {
          let s = 0;
          for (let n = 0; n < N; n++) for (let i = 0; i < plane; i++) s += gy[(n * C + c) * plane + i];
          expect(gb[c]).toBe(s);
        }
      }),
      { numRuns: 200, seed: 43 },
    );
  });

  test('float32: within the double summation bound of the naive sum', () => {
    // |gb − S| ≤ u32·|S| + 2·m·u64·Σ|gy| for m terms summed in double (ours and the naive loop) and one rounding to float32
    const u32 = 2 ** -24, u64 = 2 ** -53;
    fc.assert(
      fc.property(layoutArb, ({ N, C, plane, seed }) => {
        const gy = randomArray(Float32Array, N * C * plane, seed);
        const gb = new Float32Array(C);
        channelSum(gb, gy, N, C, plane);
        const m = N * plane;
        for (let c = 0; c < C; c++) {
          let s = 0, abs = 0;
          for (let n = 0; n < N; n++) {
            for (let i = 0; i < plane; i++) {
              s += gy[(n * C + c) * plane + i];
              abs += Math.abs(gy[(n * C + c) * plane + i]);
            }
          }
          expect(Math.abs(gb[c] - s)).toBeLessThanOrEqual(u32 * Math.abs(s) + 2 * m * u64 * abs);
        }
      }),
      { numRuns: 200, seed: 44 },
    );
  });

  test('float32: a long channel (2^20 values) stays within the bound and off the float32 naive loop', () => {
    const N = 2, C = 2, plane = 1 << 19;
    const gy = new Float32Array(N * C * plane).fill(1 / 3);
    const gb = new Float32Array(C);
    channelSum(gb, gy, N, C, plane);
    let f32 = Math.fround(0);
    for (let i = 0; i < N * plane; i++) f32 = Math.fround(f32 + gy[i]);
    const exact = N * plane * gy[0];
    for (let c = 0; c < C; c++) expect(gb[c]).toBe(Math.fround(exact));
    expect(Math.abs(f32 - exact)).toBeGreaterThan(1); // what a float32 accumulator would lose
  });
});
