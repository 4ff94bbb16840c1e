/** The wasm element-wise kernels against their js twins (2 and 3 threads need the compiled worker: npm test builds). */
import { afterAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { geluBackwardWasm, geluWasm, setThreads, useWasmFor, wasmFeatures, setBackend } from '../../src/backend/index.js';
import { geluBackward, geluForward } from '../../src/kernels/activations.js';
import { firstMismatch } from './gemm-problems.js';

afterAll(() => setThreads(1));

const values = (maxLength: number) =>
  fc.array(fc.float({ min: -12, max: 12, noNaN: true }), { minLength: 1, maxLength });

describe.runIf(wasmFeatures().simd)('wasm GELU', () => {
  test('matches the js kernel (double-precision erfc) within the float32 erf error', () => {
    fc.assert(
      fc.property(values(300), (xs) => {
        const x = Float32Array.from(xs), y = new Float32Array(x.length), ref = new Float32Array(x.length);
        geluWasm(y, x);
        geluForward(ref, x);
        // erf is approximated to 3.8e-7 absolute: |Δy| ≤ ½|x|·3.8e-7 + the rounding of y, so 4e-7·max(1, |x|)
        for (let i = 0; i < x.length; i++) expect(Math.abs(y[i] - ref[i])).toBeLessThanOrEqual(4e-7 * Math.max(1, Math.abs(x[i])));
      }),
      { numRuns: 200, seed: 0x5eed + 40 },
    );
  });

  test('backward matches the js kernel within the float32 erf and exp error', () => {
    fc.assert(
      fc.property(values(300), fc.nat(), (xs, seed) => {
        const x = Float32Array.from(xs), n = x.length;
        const gy = Float32Array.from({ length: n }, (_, i) => Math.sin(seed + i));
        const gx = new Float32Array(n), ref = new Float32Array(n);
        geluBackwardWasm(gx, gy, x);
        geluBackward(ref, gy, x);
        // Φ to 2e-7 absolute (erf/2), x·φ(x) ≤ 0.25 to a few float32 roundings: 4e-7·|gy|·max(1, |x|)
        for (let i = 0; i < n; i++) {
          expect(Math.abs(gx[i] - ref[i])).toBeLessThanOrEqual(4e-7 * Math.abs(gy[i]) * Math.max(1, Math.abs(x[i])));
        }
      }),
      { numRuns: 200, seed: 0x5eed + 41 },
    );
  });

  test('special values: NaN stays NaN, +Infinity stays +Infinity, 0 gives 0', () => {
    const x = new Float32Array([NaN, Infinity, 0, 1e30, -1e30]), y = new Float32Array(5);
    geluWasm(y, x);
    expect(Number.isNaN(y[0])).toBe(true);
    expect(y[1]).toBe(Infinity);
    expect(y[2]).toBe(0);
    expect(y[3]).toBe(Math.fround(1e30)); // erf clamps to 1 beyond |z| = 4
    expect(Math.abs(y[4])).toBe(0);
  });

  test('1, 2 and 3 threads give bit-identical results over many chunks (forward then backward)', () => {
    const n = 300_001, x = new Float32Array(n);
    for (let i = 0; i < n; i++) x[i] = Math.sin(i) * 9;
    const results = [1, 2, 3].map((t) => {
      setThreads(t);
      const y = new Float32Array(n), gx = new Float32Array(n);
      geluWasm(y, x);
      geluBackwardWasm(gx, y, x);
      return gx;
    });
    expect(firstMismatch(results[1], results[0])).toBe(-1);
    expect(firstMismatch(results[2], results[0])).toBe(-1);
  });

  test('useWasmFor: float32 on the wasm backend only', () => {
    setBackend('wasm');
    expect(useWasmFor(new Float32Array(4))).toBe(true);
    expect(useWasmFor(new Float64Array(4))).toBe(false);
    setBackend('js');
    expect(useWasmFor(new Float32Array(4))).toBe(false);
    setBackend('wasm');
  });
});
