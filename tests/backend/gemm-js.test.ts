import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { gemmJs } from '../../src/kernels/gemm.js';
import { gemmCase, makeProblem, maxScaledErr, naiveGemm } from './gemm-problems.js';

describe('gemmJs (the js reference GEMM)', () => {
  test('float64: matches the naive triple loop to rounding, all transposes, strides, offsets', () => {
    fc.assert(
      fc.property(gemmCase(), (g) => {
        const p = makeProblem(g, Float64Array);
        const [ref, bound] = naiveGemm(p);
        gemmJs(p);
        expect(maxScaledErr(p.c, ref, bound)).toBeLessThanOrEqual(1e-14);
      }),
      { numRuns: 300, seed: 0x5eed },
    );
  });

  test('float32: matches the naive loop within float32 rounding of each stored K-slice', () => {
    fc.assert(
      fc.property(gemmCase(), (g) => {
        const p = makeProblem(g, Float32Array);
        const [ref, bound] = naiveGemm(p);
        gemmJs(p);
        expect(maxScaledErr(p.c, ref, bound)).toBeLessThanOrEqual(2 ** -23);
      }),
      { numRuns: 300, seed: 0x5eed + 1 },
    );
  });

  test('shapes spanning the cache blocks (K > 256, M > 64) are exact in float64', () => {
    fc.assert(
      fc.property(gemmCase(70, 20, 600), (g) => {
        const p = makeProblem(g, Float64Array);
        const [ref, bound] = naiveGemm(p);
        gemmJs(p);
        expect(maxScaledErr(p.c, ref, bound)).toBeLessThanOrEqual(1e-14);
      }),
      { numRuns: 30, seed: 0x5eed + 2 },
    );
  });

  test('any split of C into row and column blocks gives bit-identical results', () => {
    fc.assert(
      fc.property(gemmCase(70, 40, 300), fc.nat(), fc.nat(), (g, si, sj) => {
        const whole = makeProblem(g, Float32Array);
        const split = { ...whole, c: whole.c.slice() };
        gemmJs(whole);
        const iCut = si % (g.M + 1), jCut = sj % (g.N + 1);
        gemmJs(split, 0, iCut, 0, jCut);
        gemmJs(split, 0, iCut, jCut, g.N);
        gemmJs(split, iCut, g.M, 0, g.N);
        expect(split.c).toEqual(whole.c);
      }),
      { numRuns: 100, seed: 0x5eed + 3 },
    );
  });

  test('K = 0 writes zeros, or leaves C unchanged when accumulating', () => {
    const c = new Float32Array([1, 2, 3, 4]);
    const p = { M: 2, N: 2, K: 0, a: new Float32Array(0), aOffset: 0, lda: 0, transA: false,
      b: new Float32Array(0), bOffset: 0, ldb: 2, transB: false, c, cOffset: 0, ldc: 2, accumulate: true };
    gemmJs(p);
    expect([...c]).toEqual([1, 2, 3, 4]);
    gemmJs({ ...p, accumulate: false });
    expect([...c]).toEqual([0, 0, 0, 0]);
  });
});
