/**
 * 2-D convolution kernels (NCHW, PyTorch's cross-correlation), forward and both backward passes.
 *
 *   y[n,co,oh,ow] = b[co] + Σ_{ci<Cin/groups, kh, kw} x[n, ci0+ci, oh·sH − pH + kh·dH, ow·sW − pW + kw·dW] · w[co,ci,kh,kw]
 *
 * with ci0 = (co / (Cout/groups))·(Cin/groups) the first input channel of co's group. Input positions outside
 * [0, H) × [0, W) are zero padding: the loops skip them by bounds (ohRange/owRange), the padding never exists.
 *
 * The backward passes are the same sum read the other way round:
 *   gx[n,ci,ih,iw] = Σ gy[n,co,oh,ow] · w[co,ci−ci0,kh,kw]   over every (co, kh, kw, oh, ow) that reads x[n,ci,ih,iw]
 *   gw[co,ci,kh,kw] = Σ_{n,oh,ow} gy[n,co,oh,ow] · x[n, ci0+ci, ih, iw]
 *   gb[co]          = Σ_{n,oh,ow} gy[n,co,oh,ow]
 * gx is a transposed convolution (a scatter of gy through the kernel); convTranspose2d's forward is that kernel.
 *
 * oH, oW are part of the geometry rather than derived from it, so the same kernels serve convTranspose2d, whose
 * adjoint conv may read only a prefix of its input (output padding).
 *
 * This file holds the reference kernels for any geometry. The faster kernels — 1x1 pointwise and dense convs as
 * matrix products (conv2d-gemm.ts), depth-wise convs as direct loops (conv2d-depthwise.ts), and their
 * WebAssembly twins — are tested against these; which one runs is decided in src/backend/dispatch/conv2d.ts.
 * Every reference kernel accumulates in float64, and every kernel takes a (lo, hi) range over the same disjoint
 * work units.
 */
import type { FloatArray } from '../tensor/dtype.js';
import { type Buf, type ConvGeom, tapRanges } from './conv2d-common.js';

export { type Buf, type ConvGeom, tapRanges };
export { addChannelBias, channelSum } from './channel-bias.js';

/**
 * Reference forward for any geometry. Work unit: one (n, co) output plane; planes [lo, hi) of N·Cout.
 * Loop order per plane: ci, kh, oh, kw, ow (the innermost loop walks an output row).
 */
export function conv2dForwardReference(y: FloatArray, x: Buf, w: Buf, b: Buf | null, g: ConvGeom, lo = 0, hi = g.N * g.Cout): void {
  const { Cin, H, W, Cout, kH, kW, oH, oW, sW, pW, sH, pH, dH, dW } = g;
  const cinG = Cin / g.groups;
  const coutG = Cout / g.groups;
  const plane = oH * oW;
  const rows = tapRanges(H, oH, sH, pH, dH, kH);
  const cols = tapRanges(W, oW, sW, pW, dW, kW);
  const acc = new Float64Array(plane);
  for (let p = lo; p < hi; p++) {
    const n = Math.floor(p / Cout);
    const co = p - n * Cout;
    const ci0 = Math.floor(co / coutG) * cinG;
    acc.fill(b ? b[co] : 0);
    for (let ci = 0; ci < cinG; ci++) {
      const xOff = (n * Cin + ci0 + ci) * H * W;
      const wOff = (co * cinG + ci) * kH * kW;
      for (let kh = 0; kh < kH; kh++) {
        const ohHi = rows.hi[kh];
        for (let oh = rows.lo[kh]; oh < ohHi; oh++) {
          const xRow = xOff + (oh * sH - pH + kh * dH) * W - pW;
          const aRow = oh * oW;
          for (let kw = 0; kw < kW; kw++) {
            const wv = w[wOff + kh * kW + kw];
            const xk = xRow + kw * dW;
            const owHi = cols.hi[kw];
            for (let ow = cols.lo[kw]; ow < owHi; ow++) acc[aRow + ow] += wv * x[xk + ow * sW];
          }
        }
      }
    }
    y.set(acc, p * plane);
  }
}

/**
 * Reference input gradient (a transposed convolution): scatters every gy[n,co,oh,ow]·w[co,ci,kh,kw] to the input
 * position it was read from. Work unit: one (n, ci) input plane; planes [lo, hi) of N·Cin. Overwrites gx.
 */
export function conv2dBackwardInputReference(gx: FloatArray, gy: Buf, w: Buf, g: ConvGeom, lo = 0, hi = g.N * g.Cin): void {
  const { Cin, H, W, Cout, kH, kW, oH, oW, sW, pW, sH, pH, dH, dW } = g;
  const cinG = Cin / g.groups;
  const coutG = Cout / g.groups;
  const rows = tapRanges(H, oH, sH, pH, dH, kH);
  const cols = tapRanges(W, oW, sW, pW, dW, kW);
  const acc = new Float64Array(H * W);
  for (let q = lo; q < hi; q++) {
    const n = Math.floor(q / Cin);
    const ci = q - n * Cin;
    const grp = Math.floor(ci / cinG);
    const cil = ci - grp * cinG;
    acc.fill(0);
    for (let col = 0; col < coutG; col++) {
      const co = grp * coutG + col;
      const gyOff = (n * Cout + co) * oH * oW;
      const wOff = (co * cinG + cil) * kH * kW;
      for (let kh = 0; kh < kH; kh++) {
        const ohHi = rows.hi[kh];
        for (let oh = rows.lo[kh]; oh < ohHi; oh++) {
          const aRow = (oh * sH - pH + kh * dH) * W - pW;
          const gyRow = gyOff + oh * oW;
          for (let kw = 0; kw < kW; kw++) {
            const wv = w[wOff + kh * kW + kw];
            const ak = aRow + kw * dW;
            const owHi = cols.hi[kw];
            for (let ow = cols.lo[kw]; ow < owHi; ow++) acc[ak + ow * sW] += wv * gy[gyRow + ow];
          }
        }
      }
    }
    gx.set(acc, q * H * W);
  }
}

/**
 * Reference weight gradient for any geometry: gw[co,ci,kh,kw] = Σ_{n,oh,ow} gy·x. Work unit: one output channel co
 * (all of its Cin/groups·kH·kW weights); channels [lo, hi) of Cout. Never split over N, so results do not depend
 * on the split.
 */
export function conv2dBackwardWeightReference(gw: FloatArray, gy: Buf, x: Buf, g: ConvGeom, lo = 0, hi = g.Cout): void {
  const { N, Cin, H, W, Cout, kH, kW, oH, oW, sW, pW, sH, pH, dH, dW } = g;
  const cinG = Cin / g.groups;
  const coutG = Cout / g.groups;
  const rows = tapRanges(H, oH, sH, pH, dH, kH);
  const cols = tapRanges(W, oW, sW, pW, dW, kW);
  for (let co = lo; co < hi; co++) {
    const ci0 = Math.floor(co / coutG) * cinG;
    for (let ci = 0; ci < cinG; ci++) {
      const wOff = (co * cinG + ci) * kH * kW;
      for (let kh = 0; kh < kH; kh++) {
        const ohLo = rows.lo[kh];
        const ohHi = rows.hi[kh];
        for (let kw = 0; kw < kW; kw++) {
          const owLo = cols.lo[kw];
          const owHi = cols.hi[kw];
          let s = 0;
          for (let n = 0; n < N; n++) {
            const gyOff = (n * Cout + co) * oH * oW;
            const xOff = (n * Cin + ci0 + ci) * H * W + kh * dH * W - pH * W + kw * dW - pW;
            for (let oh = ohLo; oh < ohHi; oh++) {
              const gyRow = gyOff + oh * oW;
              const xRow = xOff + oh * sH * W;
              for (let ow = owLo; ow < owHi; ow++) s += gy[gyRow + ow] * x[xRow + ow * sW];
            }
          }
          gw[wOff + kh * kW + kw] = s;
        }
      }
    }
  }
}
