/**
 * The wasm fold of a BatchNorm into a conv's weights (wasm/batchnorm.ts batchNormFoldWasm) against its js twin
 * (kernels/batchnorm2d.ts batchNormFoldWeights): the same bits for W and B on any geometry (groups, taps, both
 * sides, with and without the conv's bias), the weight read from the heap or a plain array, W in the heap (a folded
 * weight a forward makes; scaled in place there) or a plain array (a small weight; folded in the thread's scratch),
 * and the sign of a zero kept. The dispatcher takes it on the wasm backend for float32 and declines the rest.
 */
import { afterEach, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { getHeap, setBackend, wasmFeatures } from '../../src/backend/index.js';
import { batchNormFoldWasm } from '../../src/backend/wasm/batchnorm.js';
import { type FoldGeom, batchNormFoldWeights } from '../../src/kernels/batchnorm2d.js';
import { randomArray } from '../helpers/random.js';

afterEach(() => setBackend('wasm'));

function inHeap(values: Float32Array): Float32Array {
  const heap = getHeap();
  const at = heap.allocRegion(4 * Math.max(values.length, 1)); // first: it may grow the memory (a new buffer)
  const v = new Float32Array(heap.f32.buffer, at, values.length);
  v.set(values);
  return v;
}

/** Index of the first element whose bits differ (+0 and −0 differ), or −1. */
const firstDiff = (x: Float32Array, y: Float32Array): number => x.findIndex((v, i) => !Object.is(v, y[i]));

const geomArb = fc.record({
  groups: fc.integer({ min: 1, max: 4 }), outPerGroup: fc.integer({ min: 1, max: 5 }), cinPerGroup: fc.integer({ min: 1, max: 6 }),
  taps: fc.constantFrom(1, 2, 3, 4, 9, 11),
}).map((r): FoldGeom => ({ Cout: r.groups * r.outPerGroup, cinPerGroup: r.cinPerGroup, taps: r.taps, groups: r.groups }));

function operands(g: FoldGeom, seed: number, withBias: boolean) {
  const n = g.Cout * g.cinPerGroup * g.taps, C = g.cinPerGroup * g.groups;
  const w = randomArray(Float32Array, n, seed) as Float32Array;
  w[seed % n] = -0; // a signed zero must come out signed
  const s = Float64Array.from(randomArray(Float64Array, Math.max(C, g.Cout), seed + 1), (v) => 0.5 + Math.abs(v) / 3);
  const t = randomArray(Float64Array, Math.max(C, g.Cout), seed + 2) as Float64Array;
  const b = withBias ? (randomArray(Float32Array, g.Cout, seed + 3) as Float32Array) : null;
  return { n, w, s, t, b };
}

describe.runIf(wasmFeatures().simd)('wasm BatchNorm fold', () => {
  test('bit-identical to batchNormFoldWeights: both sides, any groups and taps, bias or none, heap or plain operands', () => {
    fc.assert(
      fc.property(geomArb, fc.constantFrom('after', 'before') as fc.Arbitrary<'after' | 'before'>, fc.nat(1 << 20), fc.boolean(), fc.boolean(), fc.boolean(),
        (g, side, seed, withBias, wHeap, outHeap) => {
          const { n, w, s, t, b } = operands(g, seed, withBias);
          const want = { W: new Float32Array(n), B: new Float32Array(g.Cout) };
          batchNormFoldWeights(want.W, want.B, w, b, s, t, g, side);
          const W = outHeap ? inHeap(new Float32Array(n).fill(NaN)) : new Float32Array(n).fill(NaN);
          const B = new Float32Array(g.Cout).fill(NaN);
          expect(batchNormFoldWasm(W, B, wHeap ? inHeap(w) : w, b, s, t, g, side)).toBe(true);
          expect(firstDiff(W, want.W)).toBe(-1);
          expect(firstDiff(B, want.B)).toBe(-1);
        }),
      { numRuns: 150, seed: 41 },
    );
  });

  test('the comparison can tell: float32 products (f32(s)·w) differ, and −0 weights stay −0', () => {
    const g: FoldGeom = { Cout: 8, cinPerGroup: 16, taps: 9, groups: 1 };
    const { n, w, s, t, b } = operands(g, 7, true);
    const W = inHeap(new Float32Array(n)), B = new Float32Array(g.Cout);
    expect(batchNormFoldWasm(W, B, w, b, s, t, g, 'after')).toBe(true);
    const f32Products = Float32Array.from(w, (v, i) => Math.fround(v * Math.fround(s[Math.floor(i / (16 * 9))])));
    expect(firstDiff(W, f32Products)).toBeGreaterThanOrEqual(0);
    expect(Object.is(W[7 % n], -0)).toBe(true);
  });

  test('declines float64 weights, a plain W past the scratch and the js backend (the dispatcher then runs the loops)', () => {
    const g: FoldGeom = { Cout: 2, cinPerGroup: 2, taps: 1, groups: 1 };
    const { w, s, t } = operands(g, 3, false);
    expect(batchNormFoldWasm(new Float64Array(4), new Float64Array(2), Float64Array.from(w), null, s, t, g, 'after')).toBe(false);
    const cin = Math.ceil(getHeap().slotBytes / (4 * 64 * 9)) + 1, n = 64 * cin * 9; // a weight past a scratch slot
    const big: FoldGeom = { Cout: 64, cinPerGroup: cin, taps: 9, groups: 1 };
    expect(batchNormFoldWasm(new Float32Array(n), new Float32Array(64), new Float32Array(n), null, new Float64Array(64), new Float64Array(64), big, 'after')).toBe(false);
    setBackend('js');
    expect(batchNormFoldWasm(inHeap(new Float32Array(4)), new Float32Array(2), w, null, s, t, g, 'before')).toBe(false);
  });
});
