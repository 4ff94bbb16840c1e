/**
 * Verify a convolution of your own with the property kit (amsunet-ts/testing): a naive loop conv2d with hand-written
 * gradients, zero padding only, whose weight gradient forgets the dilation; the kit finds it and shrinks the case.
 */
import { conv2d, Tensor, type Conv2dOptions } from '../src/index.js';
import { verifyConv2d, type Conv2dGradients } from '../src/testing/index.js';

const pair = (v: unknown): [number, number] => (typeof v === 'number' ? [v, v] : (v as [number, number]));

/** Calls visit(yIndex, xIndex, wIndex, dilatedOk) for every tap of y = conv(x, w); xIndex −1 in the padding. */
function forEachTap(x: Tensor, w: Tensor, o: Conv2dOptions, visit: (yi: number, xi: number, wi: number, xiNoDil: number) => void): number[] {
  const [N, Cin, H, W] = x.shape;
  const [Cout, cinG, kH, kW] = w.shape;
  const [sH, sW] = pair(o.stride ?? 1), [pH, pW] = pair(o.padding ?? 0), [dH, dW] = pair(o.dilation ?? 1);
  const G = o.groups ?? 1;
  const oH = Math.floor((H + 2 * pH - dH * (kH - 1) - 1) / sH) + 1, oW = Math.floor((W + 2 * pW - dW * (kW - 1) - 1) / sW) + 1;
  const xAt = (n: number, ci: number, ih: number, iw: number): number => (ih < 0 || ih >= H || iw < 0 || iw >= W ? -1 : ((n * Cin + ci) * H + ih) * W + iw);
  for (let n = 0; n < N; n++) for (let co = 0; co < Cout; co++) for (let oh = 0; oh < oH; oh++) for (let ow = 0; ow < oW; ow++)
    for (let c = 0; c < cinG; c++) for (let kh = 0; kh < kH; kh++) for (let kw = 0; kw < kW; kw++) {
      const ci = Math.floor(co / (Cout / G)) * cinG + c;
      visit(((n * Cout + co) * oH + oh) * oW + ow, xAt(n, ci, oh * sH - pH + kh * dH, ow * sW - pW + kw * dW),
        ((co * cinG + c) * kH + kh) * kW + kw, xAt(n, ci, oh * sH - pH + kh, ow * sW - pW + kw)); // the bug's index
    }
  return [N, Cout, oH, oW];
}

export function myConv2d(x: Tensor, w: Tensor, b: Tensor | null, o: Conv2dOptions): Tensor {
  const ys: [number, number][] = [];
  const shape = forEachTap(x, w, o, (yi, xi, wi) => xi >= 0 && ys.push([yi, x.data[xi] * w.data[wi]]));
  const y = new Float64Array(shape.reduce((a, d) => a * d, 1));
  for (const [i, v] of ys) y[i] += v;
  if (b) for (let i = 0; i < y.length; i++) y[i] += b.data[Math.floor(i / (shape[2] * shape[3])) % shape[1]];
  return new Tensor(y, shape);
}

export const myConv2dGradients: Conv2dGradients = (x, w, b, o, gy) => {
  const gx = new Float64Array(x.size), gw = new Float64Array(w.size);
  const shape = forEachTap(x, w, o, (yi, xi, wi, xiNoDil) => {
    if (xi >= 0) gx[xi] += gy.data[yi] * w.data[wi];
    if (xiNoDil >= 0) gw[wi] += gy.data[yi] * x.data[xiNoDil]; // BUG: reads x as if the dilation were 1
  });
  const gb = b ? new Float64Array(b.size) : null;
  if (gb) for (let i = 0; i < gy.size; i++) gb[Math.floor(i / (shape[2] * shape[3])) % shape[1]] += gy.data[i];
  return { gx: new Tensor(gx, x.shape), gw: new Tensor(gw, w.shape), gb: gb && new Tensor(gb, [gb.length]) };
};

// --- the ten lines of the README ---
const zerosOnly = { paddingModes: ['zeros'] as const, namedPadding: false };
verifyConv2d(conv2d, { numRuns: 50 }); // the engine's own conv2d: every property holds
console.log('conv2d: adjointness, dilation, groups, strip, gradcheck hold');
try {
  verifyConv2d({ forward: myConv2d, gradients: myConv2dGradients }, { constraints: zerosOnly });
} catch (e) {
  console.log((e as Error).message);
}
