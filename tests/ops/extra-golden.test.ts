/**
 * PyTorch 2.13 fixtures of tests/golden/ops-extra (copied from ../shared/golden/ops-extra; see its README): pools,
 * nearest and bilinear resizing at other ratios and both corner rules, float32 bilinear, tanh, tanh-GELU,
 * logSoftmax, unequal dilations and strides, replicate/circular padding, frozen-input convs and transposed convs
 * with dilation, output padding and groups. Every file in the directory is checked (found by listing).
 * float64: y and every gradient to ≤ 1e-10 relative error. float32 bilinear: bit for bit (see the test below).
 */
import { describe, expect, test } from 'vitest';
import {
  avgPool2d,
  backward,
  conv2d,
  convTranspose2d,
  gelu,
  interpolate,
  logSoftmax,
  maxPool2d,
  tanh,
  Tensor,
  type InterpolateOptions,
} from '../../src/index.js';
import { linearAxis } from '../../src/kernels/upsample2d.js';
import { goldenFiles, loadGolden, type Golden } from '../golden.js';
import { maxRelErr } from '../helpers/close.js';

const files = goldenFiles('ops-extra');
const f64 = files.filter((f) => !f.endsWith('_f32.safetensors'));
const f32Files = files.filter((f) => f.endsWith('_f32.safetensors'));

/** A leaf copied from a fixture tensor (requiring grad unless frozen). */
const leaf = (t: Tensor, requiresGrad = true): Tensor => new Tensor(t.data.slice(), t.shape).requiresGrad_(requiresGrad);

type Pair = number | [number, number];

/** The op of a fixture applied to its leaves with the fixture's options. */
function run(g: Golden, x: Tensor, w: Tensor | null, b: Tensor | null): Tensor {
  const a = g.attrs;
  switch (a.op) {
    case 'max_pool2d':
      return maxPool2d(x, a.kernel_size as Pair, { stride: a.stride as Pair, padding: a.padding as Pair, ceilMode: a.ceil_mode as boolean });
    case 'avg_pool2d':
      return avgPool2d(x, a.kernel_size as Pair, {
        stride: a.stride as Pair,
        padding: a.padding as Pair,
        countIncludePad: a.count_include_pad as boolean,
      });
    case 'interpolate': {
      const o: InterpolateOptions = { mode: a.mode as 'nearest' | 'bilinear' };
      if (a.size !== undefined) o.size = a.size as [number, number];
      else o.scaleFactor = a.scale_factor as number;
      if (a.align_corners !== undefined) o.alignCorners = a.align_corners as boolean;
      return interpolate(x, o);
    }
    case 'tanh':
      return tanh(x);
    case 'gelu':
      return gelu(x, { approximate: a.approximate as 'tanh' });
    case 'log_softmax':
      return logSoftmax(x, a.dim as number);
    case 'conv2d':
      return conv2d(x, w!, b, {
        stride: a.stride as Pair,
        padding: a.padding as Pair,
        dilation: a.dilation as Pair,
        groups: a.groups as number,
        paddingMode: a.padding_mode as 'zeros',
      });
    case 'conv_transpose2d':
      expect(a.padding_mode).toBe('zeros');
      return convTranspose2d(x, w!, b, {
        stride: a.stride as Pair,
        padding: a.padding as Pair,
        dilation: a.dilation as Pair,
        groups: a.groups as number,
        outputPadding: a.output_padding as Pair,
      });
    default:
      throw new Error(`no runner for op ${String(a.op)}`);
  }
}

describe('ops-extra golden fixtures (PyTorch 2.13)', () => {
  test('the fixture set is there: 34 files, 5 of them float32', () => {
    expect(files.length).toBe(34);
    expect(f32Files.length).toBe(5);
  });

  test.each(f64)('%s: y and every gradient, float64 ≤ 1e-10 relative', (file) => {
    const g = loadGolden(`ops-extra/${file}`);
    const a = g.attrs;
    expect(a.torch_version).toBe('2.13.0+cpu');
    const frozen = a.x_requires_grad === false;
    const x = leaf(g.get('x'), !frozen);
    expect(x.dtype).toBe('float64');
    const isConv = a.op === 'conv2d' || a.op === 'conv_transpose2d';
    const w = isConv ? leaf(g.get('weight')) : null;
    const b = isConv && a.bias === true ? leaf(g.get('bias')) : null;
    const y = run(g, x, w, b);
    expect(y.shape).toEqual(g.get('y').shape);
    expect(maxRelErr(y.data, g.get('y').data)).toBeLessThanOrEqual(1e-10);
    backward(y, g.get('gy'));
    if (frozen) {
      expect(x.grad).toBeNull();
      expect(g.tensors.has('gx')).toBe(false);
    } else expect(maxRelErr(x.grad!.data, g.get('gx').data)).toBeLessThanOrEqual(1e-10);
    if (w) expect(maxRelErr(w.grad!.data, g.get('gw').data)).toBeLessThanOrEqual(1e-10);
    if (b) expect(maxRelErr(b.grad!.data, g.get('gb').data)).toBeLessThanOrEqual(1e-10);
  });
});

/** Elements whose float32 bits differ. */
function bitMismatches(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (Math.fround(a[i]) !== Math.fround(b[i])) n++;
  return n;
}

const f32 = Math.fround;
/** A float32 fused multiply-add a·b + c with one rounding (a·b is exact in double for float32 a, b). */
const fmaf = (a: number, b: number, c: number): number => f32(a * b + c);

/**
 * PyTorch 2.13's float32 CPU arithmetic replayed on our axis tables (linearAxis): forward per output pixel
 * w_ab = f32(λh_a·λw_b), y = fma(x11, w11, fma(x10, w10, fma(x00, w00, x01·w01))) (its channels-last kernel, which it
 * picks for small outputs, compiled with FMA contraction); backward per output pixel, in order,
 * gx[·] = fma(f32(λh_a·λw_b), gy, gx[·]). If our tables (indices and λ) differ from PyTorch's anywhere, so do the bits.
 */
function torchF32Bilinear(x: Tensor, gy: Tensor, alignCorners: boolean, scale: number | undefined): { y: Float32Array; gx: Float32Array } {
  const [N, C, H, W] = x.shape;
  const [, , oH, oW] = gy.shape;
  const th = linearAxis(H, oH, alignCorners, scale, f32);
  const tw = linearAxis(W, oW, alignCorners, scale, f32);
  const y = new Float32Array(gy.size);
  const gx = new Float32Array(x.size);
  for (let p = 0; p < N * C; p++) {
    for (let oh = 0; oh < oH; oh++) {
      for (let ow = 0; ow < oW; ow++) {
        const at = (h: number, w: number): number => p * H * W + h * W + w;
        const taps: [number, number][] = [
          [at(th.i0[oh], tw.i0[ow]), f32(th.l0[oh] * tw.l0[ow])],
          [at(th.i0[oh], tw.i1[ow]), f32(th.l0[oh] * tw.l1[ow])],
          [at(th.i1[oh], tw.i0[ow]), f32(th.l1[oh] * tw.l0[ow])],
          [at(th.i1[oh], tw.i1[ow]), f32(th.l1[oh] * tw.l1[ow])],
        ];
        const X = (k: number): number => x.data[taps[k][0]];
        const o = p * oH * oW + oh * oW + ow;
        y[o] = fmaf(X(3), taps[3][1], fmaf(X(2), taps[2][1], fmaf(X(0), taps[0][1], f32(X(1) * taps[1][1]))));
        for (const [i, wt] of taps) gx[i] = fmaf(wt, gy.data[o], gx[i]);
      }
    }
  }
  return { y, gx };
}

describe("ops-extra float32 bilinear fixtures: PyTorch's float32 index arithmetic", () => {
  test.each(f32Files)('%s: our axis tables replayed with PyTorch\'s arithmetic give its y and gx bit for bit', (file) => {
    const g = loadGolden(`ops-extra/${file}`);
    const x = g.get('x');
    expect(x.dtype).toBe('float32');
    const { y, gx } = torchF32Bilinear(x, g.get('gy'), g.attrs.align_corners as boolean, g.attrs.scale_factor as number | undefined);
    expect(bitMismatches(y, g.get('y').data)).toBe(0);
    expect(bitMismatches(gx, g.get('gx').data)).toBe(0);
  });

  test.each(f32Files)('%s: interpolate (sums in double, one rounding) is within 2 float32 roundings of PyTorch', (file) => {
    const g = loadGolden(`ops-extra/${file}`);
    const x = leaf(g.get('x'));
    const y = run(g, x, null, null);
    expect(y.dtype).toBe('float32');
    expect(y.shape).toEqual(g.get('y').shape);
    backward(y, g.get('gy'));
    // max |ours − PyTorch's| in units of the float32 rounding of the largest value (2⁻²⁴·max|ref|): PyTorch rounds
    // after every FMA, we once at the end, so the two differ by a few such units where terms cancel
    const units = (a: ArrayLike<number>, b: ArrayLike<number>): number => maxRelErr(a, b) / 2 ** -24;
    expect(units(y.data, g.get('y').data)).toBeLessThanOrEqual(2);
    expect(units(x.grad!.data, g.get('gx').data)).toBeLessThanOrEqual(2);
  });
});
