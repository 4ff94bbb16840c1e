/**
 * 1x1, stride-1, unpadded convolution as one matrix product per image: with x[n] viewed as [Cin, H·W],
 *   y[n] = W · x[n] + b      (W = weight viewed as [Cout, Cin/groups], per group),
 *   gx[n] = Wᵀ · gy[n].
 * The inner loops run over contiguous pixels. Same accumulation order as the reference kernels, so results are
 * bit-identical to them. These are the readable loop form of the 1x1 conv; the dispatcher (src/backend/dispatch/conv2d.ts) runs the
 * same products on the backend's GEMM instead (conv2d-gemm.ts), which is 10-40x faster.
 */
import type { FloatArray } from '../tensor/dtype.js';
import type { Buf, ConvGeom } from './conv2d-common.js';

/** Dilation does not matter for a 1x1 kernel; oH = H, oW = W excludes a transposed conv's extra output rows. */
export function isPointwise(g: ConvGeom): boolean {
  return g.kH === 1 && g.kW === 1 && g.sH === 1 && g.sW === 1 && g.pH === 0 && g.pW === 0 && g.oH === g.H && g.oW === g.W;
}

/** y[n,co,:] = b[co] + Σ_ci w[co,ci]·x[n,ci0+ci,:]. Work unit: (n, co) planes [lo, hi) of N·Cout. */
export function conv2dForwardPointwise(y: FloatArray, x: Buf, w: Buf, b: Buf | null, g: ConvGeom, lo = 0, hi = g.N * g.Cout): void {
  const { Cin, Cout } = g;
  const cinG = Cin / g.groups;
  const coutG = Cout / g.groups;
  const HW = g.H * g.W;
  const acc = new Float64Array(HW);
  for (let p = lo; p < hi; p++) {
    const n = Math.floor(p / Cout);
    const co = p - n * Cout;
    const xBase = (n * Cin + Math.floor(co / coutG) * cinG) * HW;
    acc.fill(b ? b[co] : 0);
    for (let ci = 0; ci < cinG; ci++) {
      const wv = w[co * cinG + ci];
      const xOff = xBase + ci * HW;
      for (let i = 0; i < HW; i++) acc[i] += wv * x[xOff + i];
    }
    y.set(acc, p * HW);
  }
}

/** gx[n,ci,:] = Σ_{co in ci's group} w[co,ci−ci0]·gy[n,co,:]. Work unit: (n, ci) planes [lo, hi) of N·Cin. */
export function conv2dBackwardInputPointwise(gx: FloatArray, gy: Buf, w: Buf, g: ConvGeom, lo = 0, hi = g.N * g.Cin): void {
  const { Cin, Cout } = g;
  const cinG = Cin / g.groups;
  const coutG = Cout / g.groups;
  const HW = g.H * g.W;
  const acc = new Float64Array(HW);
  for (let q = lo; q < hi; q++) {
    const n = Math.floor(q / Cin);
    const ci = q - n * Cin;
    const grp = Math.floor(ci / cinG);
    const cil = ci - grp * cinG;
    acc.fill(0);
    for (let col = 0; col < coutG; col++) {
      const co = grp * coutG + col;
      const wv = w[co * cinG + cil];
      const gyOff = (n * Cout + co) * HW;
      for (let i = 0; i < HW; i++) acc[i] += wv * gy[gyOff + i];
    }
    gx.set(acc, q * HW);
  }
}
