/**
 * 2-D pooling over NCHW planes, forward and backward. Work unit: planes p = n·C + c in [lo, hi); forward writes
 * only plane p of y, backward only plane p of gx (which it zeroes first).
 *
 *   adaptive avg  window rows [floor(o·H/oH), ceil((o+1)·H/oH)), same for columns; y = mean of the window
 *   avg           window rows [oh·sH − pH, oh·sH − pH + kH) clipped to the input; y = Σ window / divisor,
 *                 divisor = window area counting padding (countIncludePad, clipped at H + pH) or not
 *   max           y = max over x[oh·sH − pH + kh·dH, ow·sW − pW + kw·dW], padding counts as −∞;
 *                 argmax = first maximum in row-major window order (a NaN wins: the last one, as PyTorch);
 *                 −1 if the window is all padding
 */
import type { FloatArray } from '../tensor/dtype.js';

export interface PoolGeom {
  /** N·C planes */
  P: number;
  H: number;
  W: number;
  oH: number;
  oW: number;
  kH: number;
  kW: number;
  sH: number;
  sW: number;
  pH: number;
  pW: number;
  dH: number;
  dW: number;
}

export interface AdaptiveGeom {
  P: number;
  H: number;
  W: number;
  oH: number;
  oW: number;
}

/** PyTorch's adaptive window [start, end) for output index o: floor(o·in/out) .. ceil((o+1)·in/out). */
export function adaptiveStart(o: number, inSize: number, outSize: number): number {
  return Math.floor((o * inSize) / outSize);
}
export function adaptiveEnd(o: number, inSize: number, outSize: number): number {
  return Math.ceil(((o + 1) * inSize) / outSize);
}

export function adaptiveAvgPool2dForward(y: FloatArray, x: FloatArray, g: AdaptiveGeom, lo = 0, hi = g.P): void {
  const { H, W, oH, oW } = g;
  for (let p = lo; p < hi; p++) {
    const xOff = p * H * W;
    let yo = p * oH * oW;
    for (let oh = 0; oh < oH; oh++) {
      const h0 = adaptiveStart(oh, H, oH);
      const h1 = adaptiveEnd(oh, H, oH);
      for (let ow = 0; ow < oW; ow++, yo++) {
        const w0 = adaptiveStart(ow, W, oW);
        const w1 = adaptiveEnd(ow, W, oW);
        let s = 0;
        for (let ih = h0; ih < h1; ih++) {
          const row = xOff + ih * W;
          for (let iw = w0; iw < w1; iw++) s += x[row + iw];
        }
        y[yo] = s / ((h1 - h0) * (w1 - w0));
      }
    }
  }
}

/**
 * gx = the adjoint of the forward's window means; writes every element of planes [lo, hi) (gx may hold old numbers).
 * When oH divides H and oW divides W the windows tile the plane (each x in exactly one), and each element is
 * 0 + gy/count, written by a native fill of each window row with that value (+ 0 turns −0 into +0, as the
 * accumulation into a zero-filled plane does): the same bits as the general loop, which zero-fills the plane and
 * then adds each window's value into it.
 */
export function adaptiveAvgPool2dBackward(gx: FloatArray, gy: FloatArray, g: AdaptiveGeom, lo = 0, hi = g.P): void {
  const { H, W, oH, oW } = g;
  if (H % oH === 0 && W % oW === 0) {
    const wh = H / oH, ww = W / oW, count = wh * ww;
    for (let p = lo; p < hi; p++) {
      for (let oh = 0, yo = p * oH * oW; oh < oH; oh++) {
        for (let ow = 0; ow < oW; ow++, yo++) {
          const v = gy[yo] / count + 0;
          for (let ih = oh * wh, row = p * H * W + ih * W + ow * ww; ih < (oh + 1) * wh; ih++, row += W) gx.fill(v, row, row + ww);
        }
      }
    }
    return;
  }
  for (let p = lo; p < hi; p++) {
    const xOff = p * H * W;
    gx.fill(0, xOff, xOff + H * W);
    let yo = p * oH * oW;
    for (let oh = 0; oh < oH; oh++) {
      const h0 = adaptiveStart(oh, H, oH);
      const h1 = adaptiveEnd(oh, H, oH);
      for (let ow = 0; ow < oW; ow++, yo++) {
        const w0 = adaptiveStart(ow, W, oW);
        const w1 = adaptiveEnd(ow, W, oW);
        const v = gy[yo] / ((h1 - h0) * (w1 - w0));
        for (let ih = h0; ih < h1; ih++) {
          const row = xOff + ih * W;
          for (let iw = w0; iw < w1; iw++) gx[row + iw] += v;
        }
      }
    }
  }
}

/** The clipped window [h0, h1) × [w0, w1) of output (oh, ow) and its divisor (0 for an empty window). */
function avgWindow(g: PoolGeom, oh: number, ow: number, countIncludePad: boolean, out: Int32Array): void {
  let h0 = oh * g.sH - g.pH;
  let w0 = ow * g.sW - g.pW;
  let h1 = Math.min(h0 + g.kH, g.H + g.pH);
  let w1 = Math.min(w0 + g.kW, g.W + g.pW);
  const padded = (h1 - h0) * (w1 - w0);
  h0 = Math.max(h0, 0);
  w0 = Math.max(w0, 0);
  h1 = Math.min(h1, g.H);
  w1 = Math.min(w1, g.W);
  out[0] = h0;
  out[1] = h1;
  out[2] = w0;
  out[3] = w1;
  out[4] = h0 >= h1 || w0 >= w1 ? 0 : countIncludePad ? padded : (h1 - h0) * (w1 - w0);
}

export function avgPool2dForward(y: FloatArray, x: FloatArray, g: PoolGeom, countIncludePad: boolean, lo = 0, hi = g.P): void {
  const { H, W, oH, oW } = g;
  const win = new Int32Array(5);
  for (let p = lo; p < hi; p++) {
    const xOff = p * H * W;
    let yo = p * oH * oW;
    for (let oh = 0; oh < oH; oh++) {
      for (let ow = 0; ow < oW; ow++, yo++) {
        avgWindow(g, oh, ow, countIncludePad, win);
        if (win[4] === 0) {
          y[yo] = 0;
          continue;
        }
        let s = 0;
        for (let ih = win[0]; ih < win[1]; ih++) {
          const row = xOff + ih * W;
          for (let iw = win[2]; iw < win[3]; iw++) s += x[row + iw];
        }
        y[yo] = s / win[4];
      }
    }
  }
}

export function avgPool2dBackward(gx: FloatArray, gy: FloatArray, g: PoolGeom, countIncludePad: boolean, lo = 0, hi = g.P): void {
  const { H, W, oH, oW } = g;
  const win = new Int32Array(5);
  for (let p = lo; p < hi; p++) {
    const xOff = p * H * W;
    gx.fill(0, xOff, xOff + H * W);
    let yo = p * oH * oW;
    for (let oh = 0; oh < oH; oh++) {
      for (let ow = 0; ow < oW; ow++, yo++) {
        avgWindow(g, oh, ow, countIncludePad, win);
        if (win[4] === 0) continue;
        const v = gy[yo] / win[4];
        for (let ih = win[0]; ih < win[1]; ih++) {
          const row = xOff + ih * W;
          for (let iw = win[2]; iw < win[3]; iw++) gx[row + iw] += v;
        }
      }
    }
  }
}

/** y = window max; argmax[o] = its index ih·W + iw within the plane (−1 when the window is all padding). */
export function maxPool2dForward(y: FloatArray, argmax: Int32Array, x: FloatArray, g: PoolGeom, lo = 0, hi = g.P): void {
  const { H, W, oH, oW, kH, kW, sH, sW, pH, pW, dH, dW } = g;
  for (let p = lo; p < hi; p++) {
    const xOff = p * H * W;
    let yo = p * oH * oW;
    for (let oh = 0; oh < oH; oh++) {
      const h0 = oh * sH - pH;
      for (let ow = 0; ow < oW; ow++, yo++) {
        const w0 = ow * sW - pW;
        let best = -Infinity;
        let at = -1;
        for (let kh = 0; kh < kH; kh++) {
          const ih = h0 + kh * dH;
          if (ih < 0 || ih >= H) continue;
          for (let kw = 0; kw < kW; kw++) {
            const iw = w0 + kw * dW;
            if (iw < 0 || iw >= W) continue;
            const v = x[xOff + ih * W + iw];
            if (v > best || v !== v || at < 0) {
              best = v;
              at = ih * W + iw;
            }
          }
        }
        y[yo] = best;
        argmax[yo] = at;
      }
    }
  }
}

/** gx[argmax] += gy: each output's gradient goes to the input element it selected. */
export function maxPool2dBackward(gx: FloatArray, gy: FloatArray, argmax: Int32Array, g: PoolGeom, lo = 0, hi = g.P): void {
  const { H, W, oH, oW } = g;
  for (let p = lo; p < hi; p++) {
    const xOff = p * H * W;
    gx.fill(0, xOff, xOff + H * W);
    for (let yo = p * oH * oW, end = (p + 1) * oH * oW; yo < end; yo++) {
      const at = argmax[yo];
      if (at >= 0) gx[xOff + at] += gy[yo];
    }
  }
}
