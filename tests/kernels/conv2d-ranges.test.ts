/**
 * The work-range contract of every conv kernel (reference loops, 1x1 loops, GEMM, depth-wise): a call on [lo, hi)
 * writes exactly the planes (or weight rows) of its units, all of each, with the whole call's bits, and nothing
 * else: run into a NaN-filled output, the units outside the range stay NaN and those inside hold the values of
 * one call over everything. This is what lets workers split a kernel over disjoint units, and it catches a kernel
 * that accumulates into its output instead of overwriting it. An empty batch or an empty output map gives a
 * zero weight gradient (and an empty output map a zero input gradient), again on its own units only.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import {
  type ConvGeom, conv2dForwardReference, conv2dBackwardInputReference, conv2dBackwardWeightReference,
} from '../../src/kernels/conv2d.js';
import { conv2dForwardPointwise, conv2dBackwardInputPointwise } from '../../src/kernels/conv2d-pointwise.js';
import {
  conv2dForwardPointwiseGemm, conv2dBackwardInputPointwiseGemm, conv2dBackwardWeightPointwiseGemm,
  conv2dForwardIm2col, conv2dBackwardInputIm2col, conv2dBackwardWeightIm2col,
} from '../../src/kernels/conv2d-gemm.js';
import {
  conv2dForwardDepthwise, conv2dBackwardInputDepthwise, conv2dBackwardWeightDepthwise,
  conv2dForwardDepthwiseStrided, conv2dBackwardInputDepthwiseStrided,
} from '../../src/kernels/conv2d-depthwise.js';
import { gemmJs } from '../../src/kernels/gemm.js';
import { type GeomKind, geomArb, sizes } from './conv-geom.js';
import { randomArray } from '../helpers/random.js';

type Out = Float64Array;
const gm = (p: Parameters<typeof gemmJs>[0]) => gemmJs(p);

/** One pass of one kernel: its output length, its unit count and unit size, and the call on [lo, hi). */
interface Pass {
  units: (g: ConvGeom) => number;
  size: (g: ConvGeom) => number;
  run: (out: Out, ops: Operands, g: ConvGeom, lo: number, hi: number) => void;
}
interface Operands { x: Out; w: Out; b: Out; gy: Out }

const forward = (k: (y: Out, x: Out, w: Out, b: Out, g: ConvGeom, lo: number, hi: number) => void): Pass => ({
  units: (g) => g.N * g.Cout, size: (g) => g.oH * g.oW, run: (y, o, g, lo, hi) => k(y, o.x, o.w, o.b, g, lo, hi),
});
const inputGrad = (k: (gx: Out, gy: Out, w: Out, g: ConvGeom, lo: number, hi: number) => void): Pass => ({
  units: (g) => g.N * g.Cin, size: (g) => g.H * g.W, run: (gx, o, g, lo, hi) => k(gx, o.gy, o.w, g, lo, hi),
});
const weightGrad = (k: (gw: Out, gy: Out, x: Out, g: ConvGeom, lo: number, hi: number) => void): Pass => ({
  units: (g) => g.Cout, size: (g) => (g.Cin / g.groups) * g.kH * g.kW, run: (gw, o, g, lo, hi) => k(gw, o.gy, o.x, g, lo, hi),
});

/** Every kernel with the geometries it accepts (stride-1 depth-wise: the geometry is made stride 1 below). */
const kernels: [string, GeomKind | 'depthwise-unit', Pass][] = [
  ['reference forward', 'any', forward(conv2dForwardReference)],
  ['reference input grad', 'any', inputGrad(conv2dBackwardInputReference)],
  ['reference weight grad', 'any', weightGrad(conv2dBackwardWeightReference)],
  ['1x1 loop forward', 'pointwise', forward(conv2dForwardPointwise)],
  ['1x1 loop input grad', 'pointwise', inputGrad(conv2dBackwardInputPointwise)],
  ['1x1 GEMM forward', 'pointwise', forward((y, x, w, b, g, lo, hi) => conv2dForwardPointwiseGemm(y, x, w, b, g, gm, lo, hi))],
  ['1x1 GEMM input grad', 'pointwise', inputGrad((gx, gy, w, g, lo, hi) => conv2dBackwardInputPointwiseGemm(gx, gy, w, g, gm, lo, hi))],
  ['1x1 GEMM weight grad', 'pointwise', weightGrad((gw, gy, x, g, lo, hi) => conv2dBackwardWeightPointwiseGemm(gw, gy, x, g, gm, lo, hi))],
  ['im2col forward', 'any', forward((y, x, w, b, g, lo, hi) => conv2dForwardIm2col(y, x, w, b, g, gm, lo, hi))],
  ['im2col input grad', 'any', inputGrad((gx, gy, w, g, lo, hi) => conv2dBackwardInputIm2col(gx, gy, w, g, gm, lo, hi))],
  ['im2col weight grad', 'any', weightGrad((gw, gy, x, g, lo, hi) => conv2dBackwardWeightIm2col(gw, gy, x, g, gm, lo, hi))],
  ['depth-wise forward (stride 1)', 'depthwise-unit', forward(conv2dForwardDepthwise)],
  ['depth-wise input grad (stride 1)', 'depthwise-unit', inputGrad(conv2dBackwardInputDepthwise)],
  ['depth-wise weight grad (stride 1)', 'depthwise-unit', weightGrad(conv2dBackwardWeightDepthwise)],
  ['depth-wise strided forward', 'depthwise', forward(conv2dForwardDepthwiseStrided)],
  ['depth-wise strided input grad', 'depthwise', inputGrad(conv2dBackwardInputDepthwiseStrided)],
];

/** A geometry of the kind; 'depthwise-unit' is a depth-wise one made stride 1 (with its natural output size). */
const geomOf = (kind: GeomKind | 'depthwise-unit', maxC: number) =>
  kind !== 'depthwise-unit'
    ? geomArb(kind, maxC, 6)
    : geomArb('depthwise', maxC, 6).map((g) => ({
        ...g, sH: 1, sW: 1, oH: g.H + 2 * g.pH - g.dH * (g.kH - 1), oW: g.W + 2 * g.pW - g.dW * (g.kW - 1),
      }));

function operands(g: ConvGeom, seed: number): Operands {
  const s = sizes(g);
  return {
    x: randomArray<Float64Array>(Float64Array, s.x, seed), w: randomArray<Float64Array>(Float64Array, s.w, seed + 1),
    b: randomArray<Float64Array>(Float64Array, g.Cout, seed + 2), gy: randomArray<Float64Array>(Float64Array, s.y, seed + 3),
  };
}

describe('conv kernels write exactly the units of their work range', () => {
  test.each(kernels)('%s', (_name, kind, pass) => {
    fc.assert(
      fc.property(geomOf(kind, 4), fc.nat(1 << 20), fc.nat(), fc.nat(), (g, seed, a, b) => {
        const units = pass.units(g), size = pass.size(g), total = units * size;
        const lo = a % (units + 1), hi = lo + (b % (units - lo + 1));
        const o = operands(g, seed);
        const whole = new Float64Array(total);
        pass.run(whole, o, g, 0, units);
        const part = new Float64Array(total).fill(NaN);
        pass.run(part, o, g, lo, hi);
        const expected = new Float64Array(total).fill(NaN);
        expected.set(whole.subarray(lo * size, hi * size), lo * size);
        expect(part).toEqual(expected);
      }),
      { numRuns: 150, seed: 51 },
    );
  });
});

describe('an empty batch or an empty output map', () => {
  const base: ConvGeom = { N: 2, Cin: 4, H: 5, W: 6, Cout: 6, kH: 3, kW: 2, oH: 3, oW: 5, sH: 1, sW: 1, pH: 0, pW: 0, dH: 1, dW: 1, groups: 2 };
  const pointwise: ConvGeom = { ...base, kH: 1, kW: 1, oH: 5, oW: 6 };
  const depthwise: ConvGeom = { ...base, Cout: 4, groups: 4 };
  const gradKernels: [string, ConvGeom, Pass][] = kernels
    .filter(([name]) => !name.includes('forward'))
    .map(([name, kind, pass]) => [name, kind === 'pointwise' ? pointwise : kind === 'any' ? base : depthwise, pass]);

  test.each(gradKernels)('%s: zeros, over NaN', (name, g0, pass) => {
    // a 1x1 kernel has oH = H, so it gets no empty output map
    const cases: ConvGeom[] = name.includes('1x1') ? [{ ...g0, N: 0 }] : [{ ...g0, N: 0 }, { ...g0, oH: 0 }];
    for (const g of cases) {
      const units = pass.units(g), size = pass.size(g);
      for (const [lo, hi] of [[0, units], [1, units - 1]]) {
        const out = new Float64Array(units * size).fill(NaN);
        pass.run(out, operands(g, 3), g, lo, hi);
        expect(out).toEqual(new Float64Array(units * size).fill(NaN).fill(0, lo * size, hi * size));
      }
    }
  });
});

test('the strided depth-wise kernels default to the whole call', () => {
  const g: ConvGeom = { N: 2, Cin: 3, H: 7, W: 6, Cout: 3, kH: 3, kW: 2, oH: 3, oW: 3, sH: 2, sW: 2, pH: 0, pW: 0, dH: 1, dW: 1, groups: 3 };
  const o = operands(g, 5), s = sizes(g);
  const [y1, y2] = [new Float64Array(s.y), new Float64Array(s.y).fill(NaN)];
  conv2dForwardDepthwiseStrided(y1, o.x, o.w, o.b, g, 0, g.N * g.Cout);
  conv2dForwardDepthwiseStrided(y2, o.x, o.w, o.b, g);
  expect(y2).toEqual(y1);
  const [gx1, gx2] = [new Float64Array(s.x), new Float64Array(s.x).fill(NaN)];
  conv2dBackwardInputDepthwiseStrided(gx1, o.gy, o.w, g, 0, g.N * g.Cin);
  conv2dBackwardInputDepthwiseStrided(gx2, o.gy, o.w, g);
  expect(gx2).toEqual(gx1);
});
