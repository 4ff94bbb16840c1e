/** Stride-1 depth-wise conv geometries for the wasm depth-wise tests. */
import fc from 'fast-check';
import type { ConvGeom } from '../../src/kernels/conv2d.js';

/** C channels, H×W input, kH×kW kernel, padding (pH, pW), dilation d (both axes), N samples; natural output size. */
export const dwGeom = (C: number, H: number, W: number, kH: number, kW: number, pH: number, pW: number, d: number, N = 2): ConvGeom => ({
  N, Cin: C, Cout: C, groups: C, H, W, kH, kW, pH, pW, dH: d, dW: d, sH: 1, sW: 1,
  oH: H + 2 * pH - d * (kH - 1), oW: W + 2 * pW - d * (kW - 1),
});

/**
 * Random geometry: 3x3, 1xk, kx1 (k ≤ 11) or any kH, kW ≤ 5; dilation 1-5 per axis; padding 'same' (AMS's) or
 * anything in 0-12; planes down to 1x1, smaller than the kernel's span when the padding allows; sometimes an output
 * cut short of its natural size (the adjoint of a transposed conv with output padding reads only a prefix).
 */
export const depthwiseGeomArb: fc.Arbitrary<ConvGeom> = fc
  .record({
    N: fc.integer({ min: 1, max: 3 }), C: fc.integer({ min: 1, max: 5 }),
    shape: fc.constantFrom('3x3', '1xk', 'kx1', 'any'), k: fc.integer({ min: 2, max: 11 }),
    kH: fc.integer({ min: 1, max: 5 }), kW: fc.integer({ min: 1, max: 5 }),
    dH: fc.integer({ min: 1, max: 5 }), dW: fc.integer({ min: 1, max: 5 }),
    same: fc.boolean(), pH: fc.nat(12), pW: fc.nat(12),
    H: fc.integer({ min: 1, max: 24 }), W: fc.integer({ min: 1, max: 40 }),
    cutH: fc.nat(2), cutW: fc.nat(2),
  })
  .map((r): ConvGeom | null => {
    const [kH, kW] = r.shape === '3x3' ? [3, 3] : r.shape === '1xk' ? [1, r.k] : r.shape === 'kx1' ? [r.k, 1] : [r.kH, r.kW];
    const pH = r.same ? Math.floor((r.dH * (kH - 1)) / 2) : r.pH, pW = r.same ? Math.floor((r.dW * (kW - 1)) / 2) : r.pW;
    const oH = r.H + 2 * pH - r.dH * (kH - 1) - r.cutH, oW = r.W + 2 * pW - r.dW * (kW - 1) - r.cutW;
    if (oH < 1 || oW < 1) return null;
    return { N: r.N, Cin: r.C, Cout: r.C, groups: r.C, H: r.H, W: r.W, kH, kW, pH, pW, dH: r.dH, dW: r.dW, sH: 1, sW: 1, oH, oW };
  })
  .filter((g): g is ConvGeom => g !== null);
