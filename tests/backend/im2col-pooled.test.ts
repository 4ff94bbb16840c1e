/**
 * The dense-conv forward on the wasm backend makes im2col's matrix in the shared heap and, with threads, fills it
 * over the pool by input channels (backend/wasm/im2col.ts im2colPooled, dispatch/conv2d.ts): the same bits
 * as conv2dForwardIm2col with its own scratch on one thread, for 1, 2 and 3 threads, and the pooled im2col writes
 * exactly what im2col writes. Workers run the compiled dist/ (`npx tsc -p .` first when iterating).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { gemm, getBackend, getHeap, setBackend, setThreads, wasmFeatures } from '../../src/backend/index.js';
import { conv2dForward } from '../../src/backend/dispatch/conv2d.js';
import { conv2dForwardIm2col, im2col } from '../../src/kernels/conv2d-gemm.js';
import type { ConvGeom } from '../../src/kernels/conv2d-common.js';
import { withHeapArray } from '../../src/backend/parallel/js-pooled.js';
import { im2colPooled } from '../../src/backend/wasm/im2col.js';
import { geomArb, sizes } from '../kernels/conv-geom.js';
import { firstMismatch } from './gemm-problems.js';
import { randomArray } from '../helpers/random.js';

/**
 * Each image of a random x through im2colPooled into a NaN-filled col in the heap (pooled whenever Cin >= 2; im2col
 * itself where it declines): every entry as im2col writes it.
 */
function expectPooledIm2col(g: ConvGeom, seed: number): void {
  const s = sizes(g), rows = g.Cin * g.kH * g.kW * g.oH * g.oW;
  const x = randomArray(Float32Array, s.x, seed) as Float32Array;
  const expected = new Float32Array(rows);
  for (let n = 0; n < g.N; n++) {
    im2col(expected, x, g, n);
    const got = withHeapArray(rows, (col) => {
      col.fill(NaN);
      expect(im2colPooled(col, x, g, n)).toBe(g.Cin >= 2);
      if (g.Cin < 2) im2col(col, x, g, n);
      return Float32Array.from(col);
    });
    expect(firstMismatch(got, expected)).toBe(-1);
  }
}

describe.runIf(wasmFeatures().simd)('dense conv forward with its im2col in the heap', () => {
  let saved: ReturnType<typeof getBackend>;
  beforeAll(() => {
    saved = getBackend();
    setBackend('wasm');
  });
  afterAll(() => {
    setBackend(saved);
    setThreads(1);
  });

  test('the pooled im2col writes every entry of col as im2col does (2 and 3 threads)', () => {
    for (const threads of [2, 3]) {
      setThreads(threads);
      fc.assert(
        fc.property(geomArb('dense', 6, 9), fc.nat(1 << 20), (g, seed) => expectPooledIm2col(g, seed)),
        { numRuns: 40, seed: 0x1c01 + threads },
      );
    }
  });

  test("the wasm tap copies ('im2col.wasm') write what im2col writes: strides 1, 2, 3, rows long enough for the vector loops", () => {
    setThreads(2);
    fc.assert(
      fc.property(geomArb('dense', 3, 40), fc.nat(1 << 20), (g, seed) => expectPooledIm2col(g.Cin < 2 ? { ...g, Cin: 2 } : g, seed)),
      { numRuns: 60, seed: 0x1c03 },
    );
  });

  test('conv2dForward of a dense conv: the same bits as the scratch-array path on one thread, for 1, 2 and 3 threads', () => {
    fc.assert(
      fc.property(geomArb('dense', 8, 12), fc.nat(1 << 20), fc.boolean(), (g, seed, withBias) => {
        const s = sizes(g);
        const x = randomArray(Float32Array, s.x, seed), w = randomArray(Float32Array, s.w, seed + 1);
        const b = withBias ? randomArray(Float32Array, g.Cout, seed + 2) : null;
        setThreads(1);
        const expected = new Float32Array(s.y);
        conv2dForwardIm2col(expected, x, w, b, g, gemm);
        for (const threads of [1, 2, 3]) {
          setThreads(threads);
          // x both as a plain array (staged) and as a view of the heap, as the model's tensors are
          for (const inHeap of [false, true]) {
            const y = new Float32Array(s.y);
            if (inHeap) withHeapArray(s.x, (hx) => (hx.set(x), conv2dForward(y, hx, w, b, g)));
            else conv2dForward(y, x, w, b, g);
            expect(firstMismatch(y, expected)).toBe(-1);
          }
        }
      }),
      { numRuns: 40, seed: 0x1c02 },
    );
  });

  test('a stride-2 2x2 conv as AMSUnet downsamples with (32 -> 64 channels at 64x64), 2 threads', () => {
    const g = { N: 1, Cin: 32, H: 64, W: 64, Cout: 64, kH: 2, kW: 2, oH: 32, oW: 32, sH: 2, sW: 2, pH: 0, pW: 0, dH: 1, dW: 1, groups: 1 };
    const s = sizes(g);
    const x = randomArray(Float32Array, s.x, 3), w = randomArray(Float32Array, s.w, 4), b = randomArray(Float32Array, 64, 5);
    setThreads(1);
    const expected = new Float32Array(s.y);
    conv2dForwardIm2col(expected, x, w, b, g, gemm);
    setThreads(2);
    getHeap().resetStaging();
    const before = getHeap().usage().inUseBytes;
    const y = new Float32Array(s.y);
    conv2dForward(y, x, w, b, g);
    expect(firstMismatch(y, expected)).toBe(-1);
    getHeap().resetStaging(); // the staged copies of x, w, b and y
    expect(getHeap().usage().inUseBytes).toBe(before); // col went back to the heap
  });
});
