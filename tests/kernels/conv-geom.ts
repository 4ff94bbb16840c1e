/** Shared generators for the conv kernel tests: random valid geometries and random buffers. */
import fc from 'fast-check';
import { randomArray } from '../helpers/random.js';
import { expect } from 'vitest';
import { type ConvGeom, conv2dForwardReference, conv2dBackwardInputReference } from '../../src/kernels/conv2d.js';

export type GeomKind = 'any' | 'pointwise' | 'depthwise' | 'dense';

/**
 * Any valid geometry of the kind. 'any' also cuts oH/oW below their natural value (the adjoint of a transposed
 * conv with output padding reads only a prefix of its input); 'dense' is groups = 1 with a kernel other than 1x1.
 */
export const geomArb = (kind: GeomKind, maxC = 3, maxHW = 5, maxDilation = 4): fc.Arbitrary<ConvGeom> =>
  fc
    .record({
      N: fc.integer({ min: 1, max: 3 }),
      groups: fc.integer({ min: 1, max: 3 }),
      cinG: fc.integer({ min: 1, max: maxC }),
      coutG: fc.integer({ min: 1, max: maxC }),
      kH: fc.integer({ min: 1, max: 5 }),
      kW: fc.integer({ min: 1, max: 5 }),
      sH: fc.integer({ min: 1, max: 3 }),
      sW: fc.integer({ min: 1, max: 3 }),
      dH: fc.integer({ min: 1, max: maxDilation }),
      dW: fc.integer({ min: 1, max: maxDilation }),
      pH: fc.integer({ min: 0, max: 4 }),
      pW: fc.integer({ min: 0, max: 4 }),
      eH: fc.integer({ min: 0, max: maxHW }),
      eW: fc.integer({ min: 0, max: maxHW }),
      shrinkH: fc.integer({ min: 0, max: 2 }),
      shrinkW: fc.integer({ min: 0, max: 2 }),
    })
    .map((r): ConvGeom => {
      let { groups, cinG, coutG, kH, kW, sH, sW, pH, pW } = r;
      if (kind === 'pointwise') [kH, kW, sH, sW, pH, pW] = [1, 1, 1, 1, 0, 0];
      if (kind === 'depthwise') [cinG, coutG] = [1, 1];
      if (kind === 'dense') {
        groups = 1;
        if (kH === 1 && kW === 1) kH = 2;
      }
      const ekH = r.dH * (kH - 1) + 1;
      const ekW = r.dW * (kW - 1) + 1;
      const H = Math.max(1, ekH - 2 * pH) + r.eH;
      const W = Math.max(1, ekW - 2 * pW) + r.eW;
      const natH = Math.floor((H + 2 * pH - ekH) / sH) + 1;
      const natW = Math.floor((W + 2 * pW - ekW) / sW) + 1;
      const shrink = kind === 'any';
      return {
        N: r.N, Cin: cinG * groups, H, W, Cout: coutG * groups, kH, kW,
        oH: shrink ? Math.max(1, natH - r.shrinkH) : natH,
        oW: shrink ? Math.max(1, natW - r.shrinkW) : natW,
        sH, sW, pH, pW, dH: r.dH, dW: r.dW, groups,
      };
    });

export const sizes = (g: ConvGeom) => ({
  x: g.N * g.Cin * g.H * g.W,
  w: g.Cout * (g.Cin / g.groups) * g.kH * g.kW,
  y: g.N * g.Cout * g.oH * g.oW,
});

type Forward = (y: Float32Array | Float64Array, x: Float64Array, w: Float64Array, b: Float64Array | null, g: ConvGeom) => void;
type BackwardInput = (gx: Float32Array | Float64Array, gy: Float64Array, w: Float64Array, g: ConvGeom) => void;

/**
 * A specialised forward / input-gradient kernel pair gives the reference's bits, into float64 and float32 outputs.
 * Returns the random operands (x, gy, seeded from `seed`) so a caller can check further passes on them.
 */
export function expectReferenceBits(forward: Forward, backwardInput: BackwardInput, g: ConvGeom, seed: number, withBias: boolean): { x: Float64Array; gy: Float64Array } {
  const s = sizes(g);
  const x = randomArray<Float64Array>(Float64Array, s.x, seed);
  const w = randomArray<Float64Array>(Float64Array, s.w, seed + 1);
  const b = withBias ? randomArray<Float64Array>(Float64Array, g.Cout, seed + 2) : null;
  const gy = randomArray<Float64Array>(Float64Array, s.y, seed + 3);
  for (const Arr of [Float64Array, Float32Array]) {
    const [y1, y2] = [new Arr(s.y), new Arr(s.y)];
    forward(y1, x, w, b, g);
    conv2dForwardReference(y2, x, w, b, g);
    expect(y1).toEqual(y2);
    const [gx1, gx2] = [new Arr(s.x), new Arr(s.x)];
    backwardInput(gx1, gy, w, g);
    conv2dBackwardInputReference(gx2, gy, w, g);
    expect(gx1).toEqual(gx2);
  }
  return { x, gy };
}
