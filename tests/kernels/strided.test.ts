/**
 * gatherStrided / scatterStrided (src/kernels/strided.ts) copy exactly the elements the definition names,
 * out[i] = x[view(i)] and out[view(i)] = x[i], also on the native paths for contiguous rows (memcpy) and rows that
 * broadcast one value (fill): random shapes whose last dim is long enough for those paths, last-dim strides 0, 1
 * and 2, float32 with signed zeros.
 */
import { expect, test } from 'vitest';
import fc from 'fast-check';
import { gatherStrided, scatterStrided } from '../../src/kernels/strided.js';

/** Element offset of contiguous index i in the view (offset, strides, shape). */
function viewAt(i: number, offset: number, strides: number[], shape: number[]): number {
  let at = offset;
  for (let d = shape.length - 1; d >= 0; d--) {
    at += (i % shape[d]) * strides[d];
    i = Math.floor(i / shape[d]);
  }
  return at;
}

test('gather and scatter = the element-by-element definition (contiguous, broadcast and strided rows)', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 2 }), fc.integer({ min: 1, max: 40 }),
      fc.constantFrom(0, 1, 2), fc.nat(), (outer, inner, s, seed) => {
        const shape = [...outer, inner];
        // row-major strides of a source big enough for the last-dim stride s (s = 0: each row one value)
        const strides = new Array<number>(shape.length).fill(0);
        strides[shape.length - 1] = s;
        let span = Math.max(1, (inner - 1) * s + 1);
        for (let d = shape.length - 2; d >= 0; d--) {
          strides[d] = span;
          span *= shape[d];
        }
        const offset = seed % 3, n = shape.reduce((a, b) => a * b, 1), srcLen = offset + span + 2;
        const x = Float32Array.from({ length: srcLen }, (_, i) => (i % 5 === 0 ? -0 : Math.sin(i + seed)));
        const want = new Float32Array(n), got = new Float32Array(n);
        for (let i = 0; i < n; i++) want[i] = x[viewAt(i, offset, strides, shape)];
        gatherStrided(got, x, offset, strides, shape);
        expect(Array.from(got).every((v, i) => Object.is(v, want[i]))).toBe(true);
        if (s === 0) return; // a scatter into a broadcast view writes one element many times
        const c = Float32Array.from({ length: n }, (_, i) => (i % 7 === 0 ? -0 : Math.cos(i + seed)));
        const wantV = new Float32Array(srcLen).fill(9), gotV = new Float32Array(srcLen).fill(9);
        for (let i = 0; i < n; i++) wantV[viewAt(i, offset, strides, shape)] = c[i];
        scatterStrided(gotV, c, offset, strides, shape);
        expect(Array.from(gotV).every((v, i) => Object.is(v, wantV[i]))).toBe(true);
      }),
    { numRuns: 200, seed: 0x57 },
  );
});
