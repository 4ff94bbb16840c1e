/**
 * conv2d kernels below the op: the specialised kernels (1x1 pointwise, depth-wise) equal the reference bit for bit,
 * the dispatchers pick them, backward kernels are exact adjoints of the forward, and splitting the work range
 * changes nothing.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { conv2dForward, conv2dBackwardInput, conv2dBackwardWeight } from '../../src/backend/dispatch/conv2d.js';
import {
  type ConvGeom,
  channelSum,
} from '../../src/kernels/conv2d.js';
import { conv2dForwardPointwise, conv2dBackwardInputPointwise, isPointwise } from '../../src/kernels/conv2d-pointwise.js';
import { conv2dForwardDepthwise, conv2dBackwardInputDepthwise, isDepthwise } from '../../src/kernels/conv2d-depthwise.js';
import { dot } from '../ops/conv-reference.js';
import { expectReferenceBits, geomArb, sizes } from '../kernels/conv-geom.js';
import { relClose } from '../helpers/close.js';
import { randomArray } from '../helpers/random.js';

const randn64 = (n: number, seed: number): Float64Array => randomArray<Float64Array>(Float64Array, n, seed);
/** Any valid geometry (dilations up to 5); 'any' also cuts oH/oW below their natural value (see conv-geom.ts). */
const anyGeom = (kind: 'any' | 'pointwise' | 'depthwise') => geomArb(kind, 3, 5, 5);

describe('specialised conv kernels equal the reference bit for bit', () => {
  test('1x1 pointwise: forward and input gradient, float64 and float32 outputs', () => {
    fc.assert(
      fc.property(anyGeom('pointwise'), fc.nat(1 << 20), fc.boolean(), (g, seed, withBias) => {
        expect(isPointwise(g)).toBe(true);
        expectReferenceBits(conv2dForwardPointwise, conv2dBackwardInputPointwise, g, seed, withBias);
      }),
      { numRuns: 40, seed: 21 },
    );
  });

  test('depth-wise (dilation, strides, strips 1xk / kx1): forward and input gradient', () => {
    fc.assert(
      fc.property(anyGeom('depthwise'), fc.nat(1 << 20), fc.boolean(), (g, seed, withBias) => {
        expect(isDepthwise(g)).toBe(true);
        expectReferenceBits(conv2dForwardDepthwise, conv2dBackwardInputDepthwise, g, seed, withBias);
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
      fc.property(anyGeom('any'), fc.nat(1 << 20), (g, seed) => {
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
      fc.property(anyGeom('any'), fc.nat(1 << 20), fc.double({ min: 0, max: 1, noNaN: true }), (g, seed, cut) => {
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
