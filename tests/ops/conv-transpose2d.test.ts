/** convTranspose2d: forward against its scatter definition, adjoint of conv2d, float64 gradcheck, errors by text. */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { conv2d, convTranspose2d, gradcheck, zeros, Tensor, type ConvTranspose2dOptions } from '../../src/index.js';

import { dot, refConvTranspose2d } from './conv-reference.js';
import { expectThrowsExactly } from './core-util.js';
import { maxRelErr, relClose } from '../helpers/close.js';
import { seeded as rnd } from '../helpers/random.js';

interface TCase {
  N: number;
  Cin: number;
  coutG: number;
  groups: number;
  kH: number;
  kW: number;
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  outputPadding: [number, number];
  H: number;
  W: number;
  bias: boolean;
  seed: number;
}

const outSize = (H: number, s: number, p: number, d: number, k: number, op: number): number => (H - 1) * s - 2 * p + d * (k - 1) + op + 1;

const tCase = fc
  .record({
    N: fc.integer({ min: 1, max: 3 }),
    groups: fc.integer({ min: 1, max: 3 }),
    cinG: fc.integer({ min: 1, max: 3 }),
    coutG: fc.integer({ min: 1, max: 3 }),
    kH: fc.integer({ min: 1, max: 4 }),
    kW: fc.integer({ min: 1, max: 4 }),
    sH: fc.integer({ min: 1, max: 3 }),
    sW: fc.integer({ min: 1, max: 3 }),
    dH: fc.integer({ min: 1, max: 4 }),
    dW: fc.integer({ min: 1, max: 4 }),
    pH: fc.integer({ min: 0, max: 3 }),
    pW: fc.integer({ min: 0, max: 3 }),
    opH: fc.nat(5),
    opW: fc.nat(5),
    H: fc.integer({ min: 1, max: 5 }),
    W: fc.integer({ min: 1, max: 5 }),
    bias: fc.boolean(),
    seed: fc.nat(1 << 20),
  })
  .map((r): TCase => {
    // output padding below max(stride, dilation); padding small enough for a positive output size
    const opH = r.opH % Math.max(r.sH, r.dH);
    const opW = r.opW % Math.max(r.sW, r.dW);
    const pH = Math.min(r.pH, Math.floor(((r.H - 1) * r.sH + r.dH * (r.kH - 1) + opH) / 2));
    const pW = Math.min(r.pW, Math.floor(((r.W - 1) * r.sW + r.dW * (r.kW - 1) + opW) / 2));
    return {
      N: r.N,
      Cin: r.cinG * r.groups,
      coutG: r.coutG,
      groups: r.groups,
      kH: r.kH,
      kW: r.kW,
      stride: [r.sH, r.sW],
      padding: [pH, pW],
      dilation: [r.dH, r.dW],
      outputPadding: [opH, opW],
      H: r.H,
      W: r.W,
      bias: r.bias,
      seed: r.seed,
    };
  });

const opts = (c: TCase): ConvTranspose2dOptions => ({
  stride: c.stride,
  padding: c.padding,
  dilation: c.dilation,
  groups: c.groups,
  outputPadding: c.outputPadding,
});

function inputs(c: TCase, dtype: 'float32' | 'float64' = 'float64'): [Tensor, Tensor, Tensor | null] {
  return [
    rnd([c.N, c.Cin, c.H, c.W], c.seed, dtype),
    rnd([c.Cin, c.coutG, c.kH, c.kW], c.seed + 1, dtype),
    c.bias ? rnd([c.coutG * c.groups], c.seed + 2, dtype) : null,
  ];
}

function reference(c: TCase, x: Tensor, w: Tensor, b: Tensor | null): Tensor {
  const oH = outSize(c.H, c.stride[0], c.padding[0], c.dilation[0], c.kH, c.outputPadding[0]);
  const oW = outSize(c.W, c.stride[1], c.padding[1], c.dilation[1], c.kW, c.outputPadding[1]);
  return refConvTranspose2d(x, w, b, { stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups, oH, oW });
}

describe('convTranspose2d', () => {
  test('forward equals the scatter definition, with output padding, groups and dilation (float64 1e-12, float32 1e-5)', () => {
    fc.assert(
      fc.property(tCase, (c) => {
        const [x, w, b] = inputs(c);
        const want = reference(c, x, w, b);
        const y = convTranspose2d(x, w, b, opts(c));
        expect(y.shape).toEqual(want.shape);
        expect(maxRelErr(y.data, want.data)).toBeLessThanOrEqual(1e-12);
        const [x32, w32, b32] = inputs(c, 'float32');
        const y32 = convTranspose2d(x32, w32, b32, opts(c));
        expect(y32.dtype).toBe('float32');
        expect(maxRelErr(y32.data, reference(c, x32, w32, b32).data)).toBeLessThanOrEqual(1e-5);
      }),
      { numRuns: 120, seed: 31 },
    );
  });

  test('is the adjoint of conv2d with the same weight: ⟨convT(x), u⟩ = ⟨x, conv2d(u)⟩', () => {
    fc.assert(
      fc.property(tCase, (c) => {
        const [x, w] = inputs(c);
        const y = convTranspose2d(x, w, null, opts(c));
        const u = rnd([...y.shape], c.seed + 7);
        const cu = conv2d(u, w, null, { stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups });
        // with output padding ≥ stride (allowed when < dilation) conv2d(u) is taller/wider than x: the extra
        // rows/columns pair with nothing in x
        const [, C, cH, cW] = cu.shape;
        expect(cH).toBeGreaterThanOrEqual(c.H);
        expect(cW).toBeGreaterThanOrEqual(c.W);
        let rhs = 0;
        for (let n = 0; n < c.N; n++)
          for (let ch = 0; ch < C; ch++)
            for (let h = 0; h < c.H; h++)
              for (let ww = 0; ww < c.W; ww++) rhs += x.data[((n * C + ch) * c.H + h) * c.W + ww] * cu.data[((n * C + ch) * cH + h) * cW + ww];
        expect(relClose(dot(y.data, u.data), rhs, 1e-12)).toBe(true);
      }),
      { numRuns: 80, seed: 32 },
    );
  });

  test('x, weight and bias gradients pass float64 gradcheck over random geometry', () => {
    fc.assert(
      fc.property(tCase, (c) => {
        const [x, w, b] = inputs(c);
        const fn = (...t: Tensor[]): Tensor => convTranspose2d(t[0], t[1], t[2] ?? null, opts(c));
        gradcheck(fn, b ? [x, w, b] : [x, w], { fast: x.size + w.size > 300, names: ['input', 'weight', 'bias'], seed: c.seed });
      }),
      { numRuns: 40, seed: 33 },
    );
  });

  test('shape: H_out = (H − 1)·s − 2p + d·(k − 1) + outputPadding + 1', () => {
    const y = convTranspose2d(zeros([2, 6, 4, 5]), zeros([6, 3, 2, 2]), zeros([3]), { stride: 2 });
    expect(y.shape).toEqual([2, 3, 8, 10]);
    const z = convTranspose2d(zeros([1, 4, 3, 3]), zeros([4, 1, 3, 3]), null, { stride: [2, 1], padding: 1, dilation: [1, 3], outputPadding: [1, 2], groups: 2 });
    expect(z.shape).toEqual([1, 2, 6, 9]);
  });

  const x = zeros([1, 4, 5, 5]);
  const w = zeros([4, 3, 3, 3]);
  const cases: [string, () => unknown, string][] = [
    ['input rank', () => convTranspose2d(zeros([4, 5, 5]), w), 'convTranspose2d: input must be 4-D [N, C, H, W], got 3-D; input [4, 5, 5], weight [4, 3, 3, 3]'],
    ['weight rank', () => convTranspose2d(x, zeros([4, 3, 3])), 'convTranspose2d: weight must be 4-D [Cin, Cout/groups, kH, kW], got 3-D; input [1, 4, 5, 5], weight [4, 3, 3]'],
    ['channel mismatch', () => convTranspose2d(x, zeros([3, 3, 3, 3])), 'convTranspose2d: input channels (4) must equal weight.shape[0] (3); input [1, 4, 5, 5], weight [3, 3, 3, 3]'],
    ['groups', () => convTranspose2d(x, w, null, { groups: 3 }), 'convTranspose2d: input channels (4) must be divisible by groups (3); input [1, 4, 5, 5], weight [4, 3, 3, 3]'],
    ['zero stride', () => convTranspose2d(x, w, null, { stride: 0 }), 'convTranspose2d: stride must be a positive integer or a pair of them, got 0'],
    ['zero dilation', () => convTranspose2d(x, w, null, { dilation: [1, 0] }), 'convTranspose2d: dilation must be a positive integer or a pair of them, got [1, 0]'],
    ['string padding', () => convTranspose2d(x, w, null, { padding: 'same' as unknown as number }), "convTranspose2d: padding must be a non-negative integer or a pair of them, got 'same'"],
    [
      'output padding too large',
      () => convTranspose2d(x, w, null, { stride: 2, outputPadding: 2 }),
      'convTranspose2d: outputPadding must be smaller than either stride or dilation, got outputPadding [2, 2], stride [2, 2], dilation [1, 1]',
    ],
    ['bias shape', () => convTranspose2d(x, w, zeros([4])), 'convTranspose2d: bias must have shape [Cout] = [3]; input [1, 4, 5, 5], weight [4, 3, 3, 3], bias [4]'],
    [
      'non-positive output size',
      () => convTranspose2d(zeros([1, 4, 1, 1]), zeros([4, 3, 1, 1]), null, { padding: 1 }),
      'convTranspose2d: output size -1x-1 is not positive (padding [1, 1] is too large for this input and kernel); input [1, 4, 1, 1], weight [4, 3, 1, 1]',
    ],
    ['int32 input', () => convTranspose2d(zeros([1, 4, 5, 5], { dtype: 'int32' }), w), 'convTranspose2d: input must be float32 or float64, got int32'],
  ];
  test.each(cases)('error: %s', (_name, fn, message) => expectThrowsExactly(fn, message));
});
