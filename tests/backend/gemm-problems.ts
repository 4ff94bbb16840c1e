/** Shared fast-check generators and the naive reference for the GEMM tests. */
import fc from 'fast-check';
import type { GemmProblem } from '../../src/kernels/gemm.js';
import { fillRandom } from '../helpers/random.js';

export interface GemmCase {
  M: number;
  N: number;
  K: number;
  transA: boolean;
  transB: boolean;
  accumulate: boolean;
  /** extra row-stride padding and leading offsets, so strided slices of bigger buffers are exercised */
  padA: number;
  padB: number;
  padC: number;
  offA: number;
  offB: number;
  offC: number;
  seed: number;
}

/** Shapes that include 1-row, 1-column, K = 1 and sizes that are not multiples of any block. */
export function gemmCase(maxM = 40, maxN = 40, maxK = 40): fc.Arbitrary<GemmCase> {
  return fc.record({
    M: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: maxM })),
    N: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: maxN })),
    K: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: maxK })),
    transA: fc.boolean(),
    transB: fc.boolean(),
    accumulate: fc.boolean(),
    padA: fc.integer({ min: 0, max: 3 }),
    padB: fc.integer({ min: 0, max: 3 }),
    padC: fc.integer({ min: 0, max: 3 }),
    offA: fc.integer({ min: 0, max: 5 }),
    offB: fc.integer({ min: 0, max: 5 }),
    offC: fc.integer({ min: 0, max: 5 }),
    seed: fc.nat(),
  });
}

/** Build the problem for a case with fresh random buffers of the given array type. */
export function makeProblem(g: GemmCase, Arr: Float32ArrayConstructor | Float64ArrayConstructor): GemmProblem {
  const aRows = g.transA ? g.K : g.M, aCols = g.transA ? g.M : g.K;
  const bRows = g.transB ? g.N : g.K, bCols = g.transB ? g.K : g.N;
  const lda = aCols + g.padA, ldb = bCols + g.padB, ldc = g.N + g.padC;
  return {
    M: g.M, N: g.N, K: g.K,
    a: fillRandom(new Arr(g.offA + aRows * lda), g.seed, 'uniform'), aOffset: g.offA, lda, transA: g.transA,
    b: fillRandom(new Arr(g.offB + bRows * ldb), g.seed + 1, 'uniform'), bOffset: g.offB, ldb, transB: g.transB,
    c: fillRandom(new Arr(g.offC + g.M * ldc), g.seed + 2, 'uniform'), cOffset: g.offC, ldc,
    accumulate: g.accumulate,
  };
}

/** The naive triple loop in float64: returns [C_ref, bound] where bound[i,j] = Σ_k |op(A)[i,k]·op(B)[k,j]| + |C0[i,j]|. */
export function naiveGemm(p: GemmProblem): [Float64Array, Float64Array] {
  const ref = new Float64Array(p.c.length), bound = new Float64Array(p.c.length);
  for (let i = 0; i < p.c.length; i++) ref[i] = p.c[i];
  for (let i = 0; i < p.M; i++) {
    for (let j = 0; j < p.N; j++) {
      let s = 0, m = 0;
      for (let k = 0; k < p.K; k++) {
        const a = p.transA ? p.a[p.aOffset + k * p.lda + i] : p.a[p.aOffset + i * p.lda + k];
        const b = p.transB ? p.b[p.bOffset + j * p.ldb + k] : p.b[p.bOffset + k * p.ldb + j];
        s += a * b;
        m += Math.abs(a * b);
      }
      const o = p.cOffset + i * p.ldc + j;
      const c0 = p.accumulate ? p.c[o] : 0;
      ref[o] = c0 + s;
      bound[o] = m + Math.abs(c0);
    }
  }
  return [ref, bound];
}

/** Largest |got - ref| / bound over C (elements outside C's M×N window must be untouched: bound 0 there). */
export function maxScaledErr(got: ArrayLike<number>, ref: Float64Array, bound: Float64Array): number {
  let worst = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(got[i] - ref[i]);
    if (d === 0) continue;
    worst = Math.max(worst, bound[i] === 0 ? Infinity : d / bound[i]);
  }
  return worst;
}

/** Index of the first element whose bits differ (NaN equals NaN), or -1: a cheap bit-identity check for big arrays. */
export function firstMismatch(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}
