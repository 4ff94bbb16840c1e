/**
 * The direct depth-wise kernels (interior without bounds checks, edges apart, 3x3 unrolled) equal the reference
 * loops bit for bit in all three passes, float64 and float32 outputs, on random geometry and on AMSUnet's shapes
 * at sizes where the interior dominates; and splitting the work range changes nothing.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { type ConvGeom, conv2dBackwardWeightReference } from '../../src/kernels/conv2d.js';
import { conv2dBackwardWeight } from '../../src/backend/dispatch/conv2d.js';
import {
  conv2dForwardDepthwise, conv2dBackwardInputDepthwise, conv2dBackwardWeightDepthwise,
} from '../../src/kernels/conv2d-depthwise.js';
import { expectReferenceBits, geomArb, sizes } from './conv-geom.js';
import { getBackend, setBackend } from '../../src/backend/index.js';
import { randomArray } from '../helpers/random.js';

function checkAllPasses(g: ConvGeom, seed: number, withBias: boolean): void {
  const { x, gy } = expectReferenceBits(conv2dForwardDepthwise, conv2dBackwardInputDepthwise, g, seed, withBias);
  if (g.sH !== 1 || g.sW !== 1) return;
  const s = sizes(g);
  for (const Arr of [Float64Array, Float32Array]) {
    const [gw1, gw2] = [new Arr(s.w), new Arr(s.w)];
    conv2dBackwardWeightDepthwise(gw1, gy, x, g);
    conv2dBackwardWeightReference(gw2, gy, x, g);
    expect(gw1).toEqual(gw2);
  }
}

const dwGeom = (C: number, H: number, W: number, kH: number, kW: number, pH: number, pW: number, d: number, N = 2): ConvGeom => ({
  N, Cin: C, Cout: C, groups: C, H, W, kH, kW, pH, pW, dH: d, dW: d, sH: 1, sW: 1,
  oH: H + 2 * pH - d * (kH - 1), oW: W + 2 * pW - d * (kW - 1),
});

describe('depth-wise kernels equal the reference bit for bit', () => {
  test('random geometry (stride 1 and other strides, dilation, strips, padding beyond the kernel), all passes', () => {
    fc.assert(
      fc.property(geomArb('depthwise', 3, 9), fc.nat(1 << 20), fc.boolean(), fc.boolean(), (g0, seed, withBias, unit) => {
        const g = unit ? { ...g0, sH: 1, sW: 1, oH: g0.H + 2 * g0.pH - g0.dH * (g0.kH - 1), oW: g0.W + 2 * g0.pW - g0.dW * (g0.kW - 1) } : g0;
        if (g.oH < 1 || g.oW < 1) return;
        checkAllPasses(g, seed, withBias);
      }),
      { numRuns: 200, seed: 41 },
    );
  });

  test.each([
    ['3x3', 3, 3, 1, 1, 1],
    ['3x3 dilation 3', 3, 3, 3, 3, 3],
    ['3x3 dilation 5', 3, 3, 5, 5, 5],
    ['1x5', 1, 5, 0, 2, 1],
    ['5x1', 5, 1, 2, 0, 1],
    ['1x11', 1, 11, 0, 5, 1],
    ['11x1', 11, 1, 5, 0, 1],
  ])('AMSUnet %s on 3 channels of 19x23 (interior, edges and padding rows)', (_n, kH, kW, pH, pW, d) => {
    checkAllPasses(dwGeom(3, 19, 23, kH, kW, pH, pW, d), 7, true);
  });

  test('maps smaller than the kernel reach (every pixel an edge)', () => {
    checkAllPasses(dwGeom(2, 4, 3, 3, 3, 5, 5, 5), 8, true);
    checkAllPasses(dwGeom(2, 3, 2, 11, 1, 5, 0, 1), 9, false);
    checkAllPasses(dwGeom(2, 2, 3, 1, 11, 0, 5, 1), 10, true);
  });

  test('results do not depend on the call before (a strip right after a 3x3 finds its weights in the reused tap scratch)', () => {
    for (const [kH, kW, pH, pW] of [[1, 5, 0, 2], [5, 1, 2, 0], [1, 3, 0, 1]]) {
      checkAllPasses(dwGeom(3, 7, 9, 3, 3, 1, 1, 1), 11, true);
      checkAllPasses(dwGeom(3, 7, 9, kH, kW, pH, pW, 1), 12, true);
    }
  });

  // on the js backend: on 'wasm' float32 goes to the generated twins (tests/backend/depthwise-dispatch.test.ts)
  test('the weight-gradient dispatcher uses the depth-wise kernel and any channel split gives the same bits', () => {
    const backend = getBackend();
    setBackend('js');
    try {
      fc.assert(
        fc.property(fc.constantFrom(dwGeom(5, 9, 11, 3, 3, 3, 3, 3), dwGeom(4, 8, 13, 1, 7, 0, 3, 1)), fc.nat(1 << 20), fc.nat(), (g, seed, cut) => {
          const s = sizes(g);
          const x = randomArray(Float32Array, s.x, seed), gy = randomArray(Float32Array, s.y, seed + 1);
          const whole = new Float32Array(s.w), parts = new Float32Array(s.w), viaDispatch = new Float32Array(s.w);
          conv2dBackwardWeightDepthwise(whole, gy, x, g);
          const mid = cut % (g.Cout + 1);
          conv2dBackwardWeightDepthwise(parts, gy, x, g, mid, g.Cout);
          conv2dBackwardWeightDepthwise(parts, gy, x, g, 0, mid);
          conv2dBackwardWeight(viaDispatch, gy, x, g);
          expect(parts).toEqual(whole);
          expect(viaDispatch).toEqual(whole);
        }),
        { numRuns: 20, seed: 42 },
      );
    } finally {
      setBackend(backend);
    }
  });
});
