/**
 * Naive oracles for the conv tests: direct transcriptions of the PyTorch formulas, one output element at a time,
 * sharing no code with src/tensor/kernels. Slow and obviously right.
 */
import { Tensor } from '../../src/index.js';

export { dot } from './core-util.js';

export type RefMode = 'constant' | 'zeros' | 'reflect' | 'replicate' | 'circular';

/** Source index of output index o for a dim of size n padded by `before`, or −1 for a constant fill. */
export function refSource(o: number, n: number, before: number, mode: RefMode): number {
  const i = o - before;
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case 'reflect': // numpy 'reflect': mirror about the edge sample, edge not repeated
      return i < 0 ? -i : 2 * (n - 1) - i;
    case 'replicate':
      return i < 0 ? 0 : n - 1;
    case 'circular':
      return ((i % n) + n) % n;
    default:
      return -1;
  }
}

/** F.pad by definition: pads = [before, after] pairs from the last dim. */
export function refPad(x: Tensor, pads: number[], mode: RefMode = 'constant', value = 0): Tensor {
  const r = x.ndim;
  const before = new Array<number>(r).fill(0);
  const after = new Array<number>(r).fill(0);
  for (let j = 0; j < pads.length / 2; j++) {
    before[r - 1 - j] = pads[2 * j];
    after[r - 1 - j] = pads[2 * j + 1];
  }
  const outShape = x.shape.map((d, i) => d + before[i] + after[i]);
  const n = outShape.reduce((a, b) => a * b, 1);
  const out = x.dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  for (let flat = 0; flat < n; flat++) {
    let rem = flat;
    let src = 0;
    let stride = 1;
    let inside = true;
    for (let d = r - 1; d >= 0; d--) {
      const o = rem % outShape[d];
      rem = Math.floor(rem / outShape[d]);
      const i = refSource(o, x.shape[d], before[d], mode);
      if (i < 0) inside = false;
      src += i * stride;
      stride *= x.shape[d];
    }
    out[flat] = inside ? x.data[src] : value;
  }
  return new Tensor(out, outShape);
}

export interface RefConvOpts {
  stride: [number, number];
  dilation: [number, number];
  groups: number;
  /** top, left zero padding */
  pad: [number, number];
  oH: number;
  oW: number;
}

/** y[n,co,oh,ow] = b[co] + Σ x[n, ci0+ci, oh·s − p + kh·d, ow·s − p + kw·d]·w[co,ci,kh,kw], out-of-range reads = 0. */
export function refConv2d(x: Tensor, w: Tensor, b: Tensor | null, o: RefConvOpts): Tensor {
  const [N, Cin, H, W] = x.shape;
  const [Cout, cinG, kH, kW] = w.shape;
  const coutG = Cout / o.groups;
  const y = new Float64Array(N * Cout * o.oH * o.oW);
  for (let n = 0; n < N; n++)
    for (let co = 0; co < Cout; co++)
      for (let oh = 0; oh < o.oH; oh++)
        for (let ow = 0; ow < o.oW; ow++) {
          let s = b ? b.data[co] : 0;
          const ci0 = Math.floor(co / coutG) * cinG;
          for (let ci = 0; ci < cinG; ci++)
            for (let kh = 0; kh < kH; kh++)
              for (let kw = 0; kw < kW; kw++) {
                const ih = oh * o.stride[0] - o.pad[0] + kh * o.dilation[0];
                const iw = ow * o.stride[1] - o.pad[1] + kw * o.dilation[1];
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                s += x.data[((n * Cin + ci0 + ci) * H + ih) * W + iw] * w.data[((co * cinG + ci) * kH + kh) * kW + kw];
              }
          y[((n * Cout + co) * o.oH + oh) * o.oW + ow] = s;
        }
  return new Tensor(y, [N, Cout, o.oH, o.oW]);
}

/** ConvTranspose2d by its scatter definition: y[n, co, h·s − p + kh·d, w·s − p + kw·d] += x[n,ci,h,w]·w[ci,co−co0,kh,kw]. */
export function refConvTranspose2d(
  x: Tensor,
  w: Tensor,
  b: Tensor | null,
  o: { stride: [number, number]; dilation: [number, number]; padding: [number, number]; groups: number; oH: number; oW: number },
): Tensor {
  const [N, Cin, H, W] = x.shape;
  const [, coutG, kH, kW] = w.shape;
  const Cout = coutG * o.groups;
  const cinG = Cin / o.groups;
  const y = new Float64Array(N * Cout * o.oH * o.oW);
  for (let n = 0; n < N; n++)
    for (let co = 0; co < Cout; co++) for (let i = 0; i < o.oH * o.oW; i++) y[(n * Cout + co) * o.oH * o.oW + i] = b ? b.data[co] : 0;
  for (let n = 0; n < N; n++)
    for (let ci = 0; ci < Cin; ci++)
      for (let h = 0; h < H; h++)
        for (let ww = 0; ww < W; ww++) {
          const xv = x.data[((n * Cin + ci) * H + h) * W + ww];
          const grp = Math.floor(ci / cinG);
          for (let col = 0; col < coutG; col++)
            for (let kh = 0; kh < kH; kh++)
              for (let kw = 0; kw < kW; kw++) {
                const oh = h * o.stride[0] - o.padding[0] + kh * o.dilation[0];
                const ow = ww * o.stride[1] - o.padding[1] + kw * o.dilation[1];
                if (oh < 0 || oh >= o.oH || ow < 0 || ow >= o.oW) continue;
                const co = grp * coutG + col;
                y[((n * Cout + co) * o.oH + oh) * o.oW + ow] += xv * w.data[((ci * coutG + col) * kH + kh) * kW + kw];
              }
        }
  return new Tensor(y, [N, Cout, o.oH, o.oW]);
}
