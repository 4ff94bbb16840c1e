/** Shared helpers for the op tests: dtype copies, dot products, naive index arithmetic, shape arbitraries (random data and closeness: tests/helpers/). */
import { expect } from 'vitest';
import fc from 'fast-check';
import { tensor, Tensor, type DType } from '../../src/index.js';

export type Shape = number[];
export const FLOATS: DType[] = ['float32', 'float64'];

/** A copy of t in dtype (never shares t's buffer). */
export const cast = (t: Tensor, dtype: DType): Tensor => tensor(Float64Array.from(t.data), t.shape, { dtype });

/** Σ a_i·b_i in double. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export const size = (shape: readonly number[]): number => shape.reduce((p, d) => p * d, 1);

/** Multi-index of flat index i in a row-major shape. */
export function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return idx;
}

/** Flat index of a multi-index in a row-major shape. */
export function ravel(idx: readonly number[], shape: readonly number[]): number {
  let i = 0;
  for (let d = 0; d < shape.length; d++) i = i * shape[d] + idx[d];
  return i;
}

/** NumPy broadcast of shapes (assumed compatible). */
export function bshape(...shapes: (readonly number[])[]): number[] {
  const n = Math.max(0, ...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    let d = 1;
    for (const s of shapes) {
      const v = s[s.length - n + i];
      if (v !== undefined && v !== 1) d = v;
    }
    out.push(d);
  }
  return out;
}

/** Value of t at the out-index `idx` when t is broadcast to a shape of idx.length dims. */
export function at(t: Tensor, idx: readonly number[]): number {
  const lead = idx.length - t.ndim;
  const own = t.shape.map((d, k) => (d === 1 ? 0 : idx[lead + k]));
  return t.data[ravel(own, t.shape)];
}

/** Element-wise naive reference of a broadcasting op over any number of tensors. */
export function naiveMap(ts: Tensor[], f: (...v: number[]) => number): { shape: number[]; data: number[] } {
  const shape = bshape(...ts.map((t) => t.shape));
  const data: number[] = [];
  for (let i = 0; i < size(shape); i++) {
    const idx = unravel(i, shape);
    data.push(f(...ts.map((t) => at(t, idx))));
  }
  return { shape, data };
}

/** fn throws, and the error's message is exactly `message` (the whole message, not a fragment). */
export function expectThrowsExactly(fn: () => unknown, message: string): void {
  expect(fn).toThrow(message);
  try {
    fn();
  } catch (e) {
    expect((e as Error).message).toBe(message);
  }
}

/** Tolerance for a result computed in `dtype` against a double-precision reference. */
export const tolFor = (dtype: DType): number => (dtype === 'float32' ? 2e-6 : 1e-12);

/** A shape of rank 0..maxRank with dims 1..maxDim. */
export const shapeArb = (maxRank = 4, maxDim = 4, minRank = 0): fc.Arbitrary<number[]> =>
  fc.array(fc.integer({ min: 1, max: maxDim }), { minLength: minRank, maxLength: maxRank });

/**
 * Two shapes that broadcast: b is a copy of a with some dims set to 1 and some leading dims dropped;
 * the pair is swapped at random so either side may be the broadcast one.
 */
export const broadcastPairArb = (maxRank = 4, maxDim = 4): fc.Arbitrary<[number[], number[]]> =>
  fc
    .tuple(
      shapeArb(maxRank, maxDim),
      fc.array(fc.boolean(), { minLength: maxRank, maxLength: maxRank }),
      fc.nat(maxRank),
      fc.boolean(),
    )
    .map(([a, ones, drop, swap]) => {
      const b = a.map((d, i) => (ones[i] ? 1 : d)).slice(Math.min(drop, a.length));
      return swap ? [b, a] : [a, b];
    });

export const dtypeArb = fc.constantFrom<'float32' | 'float64'>('float32', 'float64');
export const seedArb = fc.nat(1_000_000);
