/**
 * conv2d kernels below the op: the specialised kernels (1x1 pointwise, depth-wise) equal the reference bit for bit,
 * the dispatchers pick them, backward kernels are exact adjoints of the forward, and splitting the work range
 * changes nothing.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { Generator } from '../../src/index.js';
import {
  type ConvGeom,
  conv2dForward,
  conv2dForwardReference,
  conv2dBackwardInput,
  conv2dBackwardInputReference,
  conv2dBackwardWeight,
  channelSum,
} from '../../src/tensor/kernels/conv2d.js';
import { conv2dForwardPointwise, conv2dBackwardInputPointwise, isPointwise } from '../../src/tensor/kernels/conv2d-pointwise.js';
import { conv2dForwardDepthwise, conv2dBackwardInputDepthwise, isDepthwise } from '../../src/tensor/kernels/conv2d-depthwise.js';
import { dot, relClose } from './conv-reference.js';

function randn64(n: number, seed: number): Float64Array {
  const g = new Generator(seed);
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = g.normal();
  return a;
}
const sizes = (g: ConvGeom) => ({
  x: g.N * g.Cin * g.H * g.W,
  w: g.Cout * (g.Cin / g.groups) * g.kH * g.kW,
  y: g.N * g.Cout * g.oH * g.oW,
});

/**
 * Any valid geometry. With `shrink`, oH/oW are cut below their natural value, as in the adjoint conv of a
 * transposed conv with output padding (the conv reads only a prefix of its input).
 */
const geomArb = (kind: 'any' | 'pointwise' | 'depthwise') =>
  fc
    .record({
      N: fc.integer({ min: 1, max: 3 }),
      groups: fc.integer({ min: 1, max: 3 }),
      cinG: fc.integer({ min: 1, max: 3 }),
      coutG: fc.integer({ min: 1, max: 3 }),
      kH: fc.integer({ min: 1, max: 5 }),
      kW: fc.integer({ min: 1, max: 5 }),
      sH: fc.integer({ min: 1, max: 3 }),
      sW: fc.integer({ min: 1, max: 3 }),
      dH: fc.integer({ min: 1, max: 5 }),
      dW: fc.integer({ min: 1, max: 5 }),
      pH: fc.integer({ min: 0, max: 4 }),
      pW: fc.integer({ min: 0, max: 4 }),
      eH: fc.integer({ min: 0, max: 5 }),
      eW: fc.integer({ min: 0, max: 5 }),
      shrinkH: fc.integer({ min: 0, max: 2 }),
      shrinkW: fc.integer({ min: 0, max: 2 }),
    })
    .map((r): ConvGeom => {
      let { groups, cinG, coutG, kH, kW, sH, sW, pH, pW } = r;
      if (kind === 'pointwise') [kH, kW, sH, sW, pH, pW] = [1, 1, 1, 1, 0, 0];
      if (kind === 'depthwise') [cinG, coutG] = [1, 1];
      const ekH = r.dH * (kH - 1) + 1;
      const ekW = r.dW * (kW - 1) + 1;
      const H = Math.max(1, ekH - 2 * pH) + r.eH;
      const W = Math.max(1, ekW - 2 * pW) + r.eW;
      const natH = Math.floor((H + 2 * pH - ekH) / sH) + 1;
      const natW = Math.floor((W + 2 * pW - ekW) / sW) + 1;
      const shrink = kind === 'any';
      return {
        N: r.N,
        Cin: cinG * groups,
        H,
        W,
        Cout: coutG * groups,
        kH,
        kW,
        oH: shrink ? Math.max(1, natH - r.shrinkH) : natH,
        oW: shrink ? Math.max(1, natW - r.shrinkW) : natW,
        sH,
        sW,
        pH,
        pW,
        dH: r.dH,
        dW: r.dW,
        groups,
      };
    });

describe('specialised conv kernels equal the reference bit for bit', () => {
  test('1x1 pointwise: forward and input gradient, float64 and float32 outputs', () => {
    fc.assert(
      fc.property(geomArb('pointwise'), fc.nat(1 << 20), fc.boolean(), (g, seed, withBias) => {
        expect(isPointwise(g)).toBe(true);
        const s = sizes(g);
        const x = randn64(s.x, seed);
        const w = randn64(s.w, seed + 1);
        const b = withBias ? randn64(g.Cout, seed + 2) : null;
        const gy = randn64(s.y, seed + 3);
        for (const Arr of [Float64Array, Float32Array]) {
          const [y1, y2] = [new Arr(s.y), new Arr(s.y)];
          conv2dForwardPointwise(y1, x, w, b, g);
          conv2dForwardReference(y2, x, w, b, g);
          expect(y1).toEqual(y2);
          const [gx1, gx2] = [new Arr(s.x), new Arr(s.x)];
          conv2dBackwardInputPointwise(gx1, gy, w, g);
          conv2dBackwardInputReference(gx2, gy, w, g);
          expect(gx1).toEqual(gx2);
        }
      }),
      { numRuns: 40, seed: 21 },
    );
  });

  test('depth-wise (dilation, strides, strips 1xk / kx1): forward and input gradient', () => {
    fc.assert(
      fc.property(geomArb('depthwise'), fc.nat(1 << 20), fc.boolean(), (g, seed, withBias) => {
        expect(isDepthwise(g)).toBe(true);
        const s = sizes(g);
        const x = randn64(s.x, seed);
        const w = randn64(s.w, seed + 1);
        const b = withBias ? randn64(g.Cout, seed + 2) : null;
        const gy = randn64(s.y, seed + 3);
        for (const Arr of [Float64Array, Float32Array]) {
          const [y1, y2] = [new Arr(s.y), new Arr(s.y)];
          conv2dForwardDepthwise(y1, x, w, b, g);
          conv2dForwardReference(y2, x, w, b, g);
          expect(y1).toEqual(y2);
          const [gx1, gx2] = [new Arr(s.x), new Arr(s.x)];
          conv2dBackwardInputDepthwise(gx1, gy, w, g);
          conv2dBackwardInputReference(gx2, gy, w, g);
          expect(gx1).toEqual(gx2);
        }
      }),
      { numRuns: 80, seed: 22 },
    );
  });

  test('the AMSUnet depth-wise shapes (3x3 dil 1/3/5, strips 1x5 … 11x1) are dispatched to the depth-wise kernel', () => {
    const base = { N: 1, Cin: 4, Cout: 4, groups: 4, H: 12, W: 12, sH: 1, sW: 1 };
    const shapes: [number, number, number, number, number][] = [
      [3, 3, 1, 1, 1],
      [3, 3, 3, 3, 3],
      [3, 3, 5, 5, 5],
      [1, 5, 0, 2, 1],
      [5, 1, 2, 0, 1],
      [1, 11, 0, 5, 1],
      [11, 1, 5, 0, 1],
    ];
    for (const [kH, kW, pH, pW, d] of shapes) {
      const g: ConvGeom = { ...base, kH, kW, pH, pW, dH: d, dW: d, oH: 12, oW: 12 };
      expect(isDepthwise(g) && !isPointwise(g)).toBe(true);
    }
    expect(isPointwise({ ...base, groups: 1, kH: 1, kW: 1, pH: 0, pW: 0, dH: 1, dW: 1, oH: 12, oW: 12 })).toBe(true);
    // a transposed conv's adjoint with output padding reads only a prefix: not the pointwise matrix product
    expect(isPointwise({ ...base, groups: 1, kH: 1, kW: 1, pH: 0, pW: 0, dH: 2, dW: 2, oH: 11, oW: 12 })).toBe(false);
  });
});

describe('conv kernels are exact adjoints', () => {
  test('⟨A_w x, gy⟩ = ⟨x, A_wᵀ gy⟩ = ⟨w, ∂/∂w⟩ and Σ gy = bias gradient, for any geometry', () => {
    fc.assert(
      fc.property(geomArb('any'), fc.nat(1 << 20), (g, seed) => {
        const s = sizes(g);
        const x = randn64(s.x, seed);
        const w = randn64(s.w, seed + 1);
        const gy = randn64(s.y, seed + 2);
        const y = new Float64Array(s.y);
        const gx = new Float64Array(s.x);
        const gw = new Float64Array(s.w);
        conv2dForward(y, x, w, null, g);
        conv2dBackwardInput(gx, gy, w, g);
        conv2dBackwardWeight(gw, gy, x, g);
        const lhs = dot(y, gy);
        expect(relClose(lhs, dot(x, gx), 1e-12)).toBe(true);
        expect(relClose(lhs, dot(w, gw), 1e-12)).toBe(true);
        // bias: y(b) − y(0) = b broadcast, so ⟨b, gb⟩ = ⟨y(b) − y(0), gy⟩
        const b = randn64(g.Cout, seed + 3);
        const yb = new Float64Array(s.y);
        conv2dForward(yb, x, w, b, g);
        const gb = new Float64Array(g.Cout);
        channelSum(gb, gy, g.N, g.Cout, g.oH * g.oW);
        for (let i = 0; i < s.y; i++) yb[i] -= y[i];
        expect(relClose(dot(yb, gy), dot(b, gb), 1e-12)).toBe(true);
      }),
      { numRuns: 150, seed: 23 },
    );
  });

  test('splitting a kernel call into work ranges gives the same bits as one call', () => {
    fc.assert(
      fc.property(geomArb('any'), fc.nat(1 << 20), fc.double({ min: 0, max: 1, noNaN: true }), (g, seed, cut) => {
        const s = sizes(g);
        const x = randn64(s.x, seed);
        const w = randn64(s.w, seed + 1);
        const gy = randn64(s.y, seed + 2);
        const split = (total: number, run: (out: Float64Array, lo: number, hi: number) => void, n: number): void => {
          const whole = new Float64Array(n);
          const parts = new Float64Array(n);
          run(whole, 0, total);
          const mid = Math.floor(cut * total);
          run(parts, mid, total);
          run(parts, 0, mid);
          expect(parts).toEqual(whole);
        };
        split(g.N * g.Cout, (o, lo, hi) => conv2dForward(o, x, w, null, g, lo, hi), s.y);
        split(g.N * g.Cin, (o, lo, hi) => conv2dBackwardInput(o, gy, w, g, lo, hi), s.x);
        split(g.Cout, (o, lo, hi) => conv2dBackwardWeight(o, gy, x, g, lo, hi), s.w);
      }),
      { numRuns: 40, seed: 24 },
    );
  });
});
