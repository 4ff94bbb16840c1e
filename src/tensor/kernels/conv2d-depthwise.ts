/**
 * Depth-wise convolution (groups = Cin = Cout = C: each channel convolved with its own kH×kW kernel), any stride,
 * padding and dilation, strips (1×k, k×1) included:
 *   y[n,c,oh,ow] = b[c] + Σ_{kh,kw} x[n, c, oh·sH − pH + kh·dH, ow·sW − pW + kw·dW] · w[c,0,kh,kw]
 * Both kernels walk one row at a time with a float64 row accumulator (cache-friendly for tall images), and sum
 * the taps in (kh, kw) order, the same order as the reference kernels, so results are bit-identical to them.
 * The weight gradient uses the reference kernel (work unit c).
 */
import type { FloatArray } from '../dtype.js';
import { type Buf, type ConvGeom, tapRanges } from './conv2d-common.js';

export function isDepthwise(g: ConvGeom): boolean {
  return g.groups === g.Cin && g.Cin === g.Cout;
}

/** Forward. Work unit: (n, c) planes [lo, hi) of N·C; row oh of a plane reads input rows oh·sH − pH + kh·dH. */
export function conv2dForwardDepthwise(y: FloatArray, x: Buf, w: Buf, b: Buf | null, g: ConvGeom, lo = 0, hi = g.N * g.Cout): void {
  const { Cout: C, H, W, kH, kW, oH, oW, sH, sW, pH, pW, dH, dW } = g;
  const cols = tapRanges(W, oW, sW, pW, dW, kW);
  const row = new Float64Array(oW);
  for (let p = lo; p < hi; p++) {
    const c = p % C;
    const xOff = p * H * W; // x plane (n, c) has the same index as y plane (n, c)
    const wOff = c * kH * kW;
    const bv = b ? b[c] : 0;
    for (let oh = 0; oh < oH; oh++) {
      row.fill(bv);
      for (let kh = 0; kh < kH; kh++) {
        const ih = oh * sH - pH + kh * dH;
        if (ih < 0 || ih >= H) continue; // a zero-padding row
        const xRow = xOff + ih * W - pW;
        for (let kw = 0; kw < kW; kw++) {
          const wv = w[wOff + kh * kW + kw];
          const xk = xRow + kw * dW;
          const owHi = cols.hi[kw];
          if (sW === 1) for (let ow = cols.lo[kw]; ow < owHi; ow++) row[ow] += wv * x[xk + ow];
          else for (let ow = cols.lo[kw]; ow < owHi; ow++) row[ow] += wv * x[xk + ow * sW];
        }
      }
      y.set(row, (p * oH + oh) * oW);
    }
  }
}

/**
 * Input gradient, gathered row by row: input row ih receives from output row oh = (ih + pH − kh·dH) / sH for every
 * kh where that is a whole number in [0, oH). Work unit: (n, c) planes [lo, hi) of N·C. Overwrites gx.
 */
export function conv2dBackwardInputDepthwise(gx: FloatArray, gy: Buf, w: Buf, g: ConvGeom, lo = 0, hi = g.N * g.Cin): void {
  const { Cin: C, H, W, kH, kW, oH, oW, sH, sW, pH, pW, dH, dW } = g;
  const cols = tapRanges(W, oW, sW, pW, dW, kW);
  const row = new Float64Array(W);
  for (let q = lo; q < hi; q++) {
    const c = q % C;
    const gyOff = q * oH * oW;
    const wOff = c * kH * kW;
    for (let ih = 0; ih < H; ih++) {
      row.fill(0);
      for (let kh = 0; kh < kH; kh++) {
        const t = ih + pH - kh * dH;
        if (t < 0 || t % sH !== 0 || t >= oH * sH) continue; // no output row read input row ih through tap kh
        const gyRow = gyOff + (t / sH) * oW;
        for (let kw = 0; kw < kW; kw++) {
          const wv = w[wOff + kh * kW + kw];
          const base = kw * dW - pW;
          const owHi = cols.hi[kw];
          for (let ow = cols.lo[kw]; ow < owHi; ow++) row[ow * sW + base] += wv * gy[gyRow + ow];
        }
      }
      gx.set(row, (q * H + ih) * W);
    }
  }
}
