/** The public backend interface (needs the compiled worker for 2 threads: npm test builds first). */
import { afterAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { gemm, getBackend, getThreads, setBackend, setThreads, wasmFeatures } from '../../src/backend/index.js';
import { firstMismatch, gemmCase, makeProblem, maxScaledErr, naiveGemm } from './gemm-problems.js';

afterAll(() => {
  setThreads(1);
  setBackend(wasmFeatures().simd ? 'wasm' : 'js');
});

describe('backend interface', () => {
  test('defaults: wasm where SIMD validates; 1 thread when running from TypeScript sources', () => {
    expect(getBackend()).toBe(wasmFeatures().simd && wasmFeatures().sharedMemory ? 'wasm' : 'js');
    expect(getThreads()).toBe(1);
  });

  test.each([
    ['js', 1], ['js', 2], ['wasm', 1], ['wasm', 2],
  ] as const)('gemm on %s with %i thread(s) matches the naive loop (float32 and float64)', (backend, threads) => {
    setBackend(backend);
    setThreads(threads);
    fc.assert(
      fc.property(gemmCase(200, 200, 300), fc.boolean(), (g, f64) => {
        const p = makeProblem(g, f64 ? Float64Array : Float32Array);
        const [ref, bound] = naiveGemm(p);
        gemm(p);
        const tol = f64 ? 1e-14 : (g.K + 1) * 2 ** -24;
        expect(maxScaledErr(p.c, ref, bound)).toBeLessThanOrEqual(tol);
      }),
      { numRuns: 30, seed: 0x5eed + 30 },
    );
  });

  test.each(['js', 'wasm'] as const)('%s: 1, 2 and 3 threads give bit-identical C', (backend) => {
    setBackend(backend);
    fc.assert(
      fc.property(gemmCase(300, 300, 300), (g) => {
        const results = [1, 2, 3].map((t) => {
          setThreads(t);
          const p = makeProblem(g, Float32Array);
          gemm(p);
          return p.c;
        });
        expect(firstMismatch(results[1], results[0])).toBe(-1);
        expect(firstMismatch(results[2], results[0])).toBe(-1);
      }),
      { numRuns: 15, seed: 0x5eed + 31 },
    );
  });

  test('K = 0 zero-fills C, or leaves it when accumulating; M = 0 does nothing', () => {
    const c = new Float32Array([1, 2, 3, 4, 5, 6]);
    const p = { M: 2, N: 2, K: 0, a: new Float32Array(0), aOffset: 0, lda: 0, transA: false,
      b: new Float32Array(0), bOffset: 0, ldb: 2, transB: false, c, cOffset: 0, ldc: 3, accumulate: true };
    gemm(p);
    expect([...c]).toEqual([1, 2, 3, 4, 5, 6]);
    gemm({ ...p, accumulate: false });
    expect([...c]).toEqual([0, 0, 3, 0, 0, 6]);
  });

  test('bad settings are named errors', () => {
    expect(() => setBackend('gpu' as 'js')).toThrow("setBackend: backend must be 'js' or 'wasm', got 'gpu'");
    expect(() => setThreads(0)).toThrow(/^setThreads: threads must be an integer in \[1, \d+\], got 0$/);
    expect(() => setThreads(1.5)).toThrow(/got 1.5$/);
  });
});
