/** conv2d: forward against the naive definition, float64 gradcheck over random geometry, structural identities, errors. */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { conv2d, gradcheck, tensor, zeros, Tensor } from '../../src/index.js';

import { refConv2d, refPad } from './conv-reference.js';
import { convCase, convInputs, convProperty, paddingSides, pairOf, type ConvCase } from '../../src/testing/index.js';
import { cast, expectThrowsExactly } from './core-util.js';
import { maxRelErr } from '../helpers/close.js';
import { seeded as rnd } from '../helpers/random.js';

/** Random conv2d cases from the kit: kernels up to 5, dilations up to 5, every padding form and mode. */
const convCases = (maxK = 5): fc.Arbitrary<ConvCase> => convCase({ maxKernel: maxK, maxDilation: 5 });

function inputs(c: ConvCase, dtype: 'float32' | 'float64' = 'float64'): [Tensor, Tensor, Tensor | null] {
  const [x, w, b] = convInputs(c);
  return dtype === 'float64' ? [x, w, b] : [cast(x, dtype), cast(w, dtype), b && cast(b, dtype)];
}

/** The oracle: pad by definition (for a non-zeros mode), then the naive zero-padded correlation. */
function reference(c: ConvCase, x: Tensor, w: Tensor, b: Tensor | null): Tensor {
  const [pt, pb, pl, pr] = paddingSides(c);
  const [stride, dilation] = [pairOf(c.options.stride), pairOf(c.options.dilation)];
  const ek = [dilation[0] * (c.kH - 1) + 1, dilation[1] * (c.kW - 1) + 1];
  const oH = Math.floor((c.H + pt + pb - ek[0]) / stride[0]) + 1;
  const oW = Math.floor((c.W + pl + pr - ek[1]) / stride[1]) + 1;
  const base = { stride, dilation, groups: c.options.groups, oH, oW };
  if (c.options.paddingMode === 'zeros') return refConv2d(x, w, b, { ...base, pad: [pt, pl] });
  return refConv2d(refPad(x, [pl, pr, pt, pb], c.options.paddingMode), w, b, { ...base, pad: [0, 0] });
}

describe('conv2d forward', () => {
  test('equals the naive definition over random geometry and every padding mode (float64 1e-12, float32 1e-5)', () => {
    fc.assert(
      fc.property(convCases(), (c) => {
        const [x, w, b] = inputs(c);
        const want = reference(c, x, w, b);
        const y = conv2d(x, w, b, c.options);
        expect(y.shape).toEqual(want.shape);
        expect(y.dtype).toBe('float64');
        expect(maxRelErr(y.data, want.data)).toBeLessThanOrEqual(1e-12);
        const [x32, w32, b32] = inputs(c, 'float32');
        const y32 = conv2d(x32, w32, b32, c.options);
        expect(y32.dtype).toBe('float32');
        expect(maxRelErr(y32.data, reference(c, x32, w32, b32).data)).toBeLessThanOrEqual(1e-5);
      }),
      { numRuns: 150, seed: 0xc0417 },
    );
  });

  test("'same' keeps the spatial size and puts the odd extra padding at the bottom/right, as PyTorch", () => {
    // kernel 1x4: total pad 3 → left 1, right 2; a ramp input makes the asymmetry visible
    const x = tensor([1, 2, 3, 4, 5], [1, 1, 1, 5], { dtype: 'float64' });
    const w = tensor([1, 10, 100, 1000], [1, 1, 1, 4], { dtype: 'float64' });
    const y = conv2d(x, w, null, { padding: 'same' });
    // y[ow] = Σ_k w[k]·x[ow − 1 + k]
    expect(Array.from(y.data)).toEqual([3210, 4321, 5432, 543, 54]);
    expect(conv2d(x, w, null, { padding: 'same', paddingMode: 'reflect' }).data[4]).toBe(4 + 50 + 400 + 3000);
  });

  test('a 1x1 conv on a 1x1 map and an empty batch', () => {
    const y = conv2d(rnd([0, 3, 4, 4], 1), rnd([2, 3, 3, 3], 2), null, { padding: 1 });
    expect(y.shape).toEqual([0, 2, 4, 4]);
    const x = rnd([2, 8, 1, 1], 3);
    const w = rnd([2, 8, 1, 1], 4);
    expect(maxRelErr(conv2d(x, w).data, refConv2d(x, w, null, { stride: [1, 1], dilation: [1, 1], groups: 1, pad: [0, 0], oH: 1, oW: 1 }).data)).toBe(0);
  });
});

describe('conv2d backward', () => {
  test('x, weight and bias gradients pass float64 gradcheck over random geometry and every padding mode', () => {
    fc.assert(convProperty('gradcheck', conv2d, { maxKernel: 4, maxDilation: 5, maxChannels: 3 }), { numRuns: 80, seed: 0x6ad });
  });

  test('larger cases pass gradcheck in random-direction mode', () => {
    fc.assert(
      fc.property(convCases(5), fc.integer({ min: 6, max: 12 }), (c0, grow) => {
        const c = { ...c0, H: c0.H + grow, W: c0.W + grow };
        const [x, w, b] = inputs(c);
        const fn = (...t: Tensor[]): Tensor => conv2d(t[0], t[1], t[2] ?? null, c.options);
        gradcheck(fn, b ? [x, w, b] : [x, w], { fast: true, seed: c.seed });
      }),
      { numRuns: 40, seed: 0x1a46e },
    );
  });

  test('backward honours needs: nothing is computed for inputs that do not require grad', () => {
    const x = rnd([1, 2, 5, 5], 1).requiresGrad_(true);
    const w = rnd([3, 2, 3, 3], 2);
    const b = rnd([3], 3);
    const y = conv2d(x, w, b);
    const gin = y.gradFn!.backward!(rnd([1, 3, 3, 3], 4), [true, false, false]);
    expect(gin[0]!.shape).toEqual([1, 2, 5, 5]);
    expect(gin[1]).toBeNull();
    expect(gin[2]).toBeNull();
  });

  test('with a non-zeros paddingMode the input gradient flows back through the pad', () => {
    // reflect pad 1 on a 1x3 row [a, b, c] → [b, a, b, c, b]; a 1x1 "sum" kernel on it: y = padded row,
    // so gx = Σ over the padded positions that read each input: a ← 1, b ← 3, c ← 1.
    const x = tensor([1, 2, 3], [1, 1, 1, 3], { dtype: 'float64', requiresGrad: true });
    const w = tensor([1], [1, 1, 1, 1], { dtype: 'float64' });
    const y = conv2d(x, w, null, { padding: [0, 1], paddingMode: 'reflect' });
    expect(Array.from(y.data)).toEqual([2, 1, 2, 3, 2]);
    y.backward(tensor([1, 1, 1, 1, 1], [1, 1, 1, 5], { dtype: 'float64' }));
    expect(Array.from(x.grad!.data)).toEqual([1, 3, 1]);
  });
});

describe('conv2d structural identities (the amsunet-ts/testing properties, forward and gradients)', () => {
  test.each([
    ['adjointness', 10],
    ['groups', 11],
    ['dilation', 12],
    ['strip', 13],
  ] as const)('%s', (name, seed) => {
    fc.assert(convProperty(name, conv2d, { maxDilation: 5 }), { numRuns: 40, seed });
  });
});

describe('conv2d errors', () => {
  const x = zeros([1, 3, 8, 8]);
  const w = zeros([8, 3, 3, 3]);
  const cases: [string, () => unknown, string][] = [
    ['input rank', () => conv2d(zeros([3, 8, 8]), w), 'conv2d: input must be 4-D [N, C, H, W], got 3-D; input [3, 8, 8], weight [8, 3, 3, 3]'],
    ['weight rank', () => conv2d(x, zeros([8, 3, 3])), 'conv2d: weight must be 4-D [Cout, Cin/groups, kH, kW], got 3-D; input [1, 3, 8, 8], weight [8, 3, 3]'],
    [
      'channel mismatch',
      () => conv2d(x, zeros([8, 4, 3, 3])),
      'conv2d: input channels (3) must equal weight.shape[1] * groups (4); input [1, 3, 8, 8], weight [8, 4, 3, 3]',
    ],
    [
      'groups vs input channels',
      () => conv2d(zeros([1, 4, 8, 8]), zeros([6, 1, 3, 3]), null, { groups: 2 }),
      'conv2d: input channels (4) must equal weight.shape[1] * groups (2); input [1, 4, 8, 8], weight [6, 1, 3, 3]',
    ],
    [
      'groups vs output channels',
      () => conv2d(zeros([1, 4, 8, 8]), zeros([6, 1, 3, 3]), null, { groups: 4 }),
      'conv2d: output channels (weight.shape[0] = 6) must be divisible by groups (4); input [1, 4, 8, 8], weight [6, 1, 3, 3]',
    ],
    ['zero groups', () => conv2d(x, w, null, { groups: 0 }), 'conv2d: groups must be a positive integer, got 0'],
    ['zero stride', () => conv2d(x, w, null, { stride: 0 }), 'conv2d: stride must be a positive integer or a pair of them, got 0'],
    ['negative stride', () => conv2d(x, w, null, { stride: [1, -2] }), 'conv2d: stride must be a positive integer or a pair of them, got [1, -2]'],
    ['zero dilation', () => conv2d(x, w, null, { dilation: 0 }), 'conv2d: dilation must be a positive integer or a pair of them, got 0'],
    ['fractional dilation', () => conv2d(x, w, null, { dilation: 1.5 }), 'conv2d: dilation must be a positive integer or a pair of them, got 1.5'],
    [
      'bad padding string',
      () => conv2d(x, w, null, { padding: 'full' as 'same' }),
      "conv2d: padding must be a non-negative integer or a pair of them, 'same' or 'valid', got 'full'",
    ],
    [
      'negative padding',
      () => conv2d(x, w, null, { padding: -1 }),
      "conv2d: padding must be a non-negative integer or a pair of them, 'same' or 'valid', got -1",
    ],
    [
      "'same' with stride 2",
      () => conv2d(x, w, null, { padding: 'same', stride: 2 }),
      "conv2d: padding='same' is not supported for strided convolutions (stride [2, 2])",
    ],
    [
      'bad padding mode',
      () => conv2d(x, w, null, { paddingMode: 'mirror' as 'reflect' }),
      "conv2d: paddingMode must be one of 'zeros', 'reflect', 'replicate', 'circular', got 'mirror'",
    ],
    [
      'kernel larger than the input',
      () => conv2d(zeros([1, 2, 3, 4]), zeros([1, 2, 5, 5])),
      'conv2d: kernel size (dilated) 5x5 is larger than the padded input 3x4; input [1, 2, 3, 4], weight [1, 2, 5, 5]',
    ],
    [
      'dilated kernel larger than the padded input',
      () => conv2d(zeros([1, 2, 4, 4]), zeros([1, 2, 3, 3]), null, { dilation: 3, padding: 1 }),
      'conv2d: kernel size (dilated) 7x7 is larger than the padded input 6x6; input [1, 2, 4, 4], weight [1, 2, 3, 3]',
    ],
    ['empty kernel', () => conv2d(x, zeros([8, 3, 0, 3])), 'conv2d: kernel size must be positive, got 0x3; input [1, 3, 8, 8], weight [8, 3, 0, 3]'],
    [
      'bias of the wrong shape',
      () => conv2d(x, w, zeros([4])),
      'conv2d: bias must have shape [Cout] = [8]; input [1, 3, 8, 8], weight [8, 3, 3, 3], bias [4]',
    ],
    [
      'bias of the wrong rank',
      () => conv2d(x, w, zeros([1, 8])),
      'conv2d: bias must have shape [Cout] = [8]; input [1, 3, 8, 8], weight [8, 3, 3, 3], bias [1, 8]',
    ],
    ['int32 input', () => conv2d(zeros([1, 3, 8, 8], { dtype: 'int32' }), w), 'conv2d: input must be float32 or float64, got int32'],
    ['mixed dtypes', () => conv2d(zeros([1, 3, 8, 8], { dtype: 'float64' }), w), 'conv2d: weight dtype (float32) must equal the input dtype (float64)'],
    ['bias dtype', () => conv2d(x, w, zeros([8], { dtype: 'float64' })), 'conv2d: bias dtype (float64) must equal the input dtype (float32)'],
    [
      'reflect padding as large as the input',
      () => conv2d(zeros([1, 3, 3, 8]), w, null, { padding: 3, paddingMode: 'reflect' }),
      'conv2d: reflect padding (3) must be smaller than the input size (3) in dim 2; input [1, 3, 3, 8], weight [8, 3, 3, 3]',
    ],
    [
      'circular padding wrapping twice',
      () => conv2d(zeros([1, 3, 8, 2]), w, null, { padding: 3, paddingMode: 'circular' }),
      'conv2d: circular padding (3) must not exceed the input size (2) in dim 3; input [1, 3, 8, 2], weight [8, 3, 3, 3]',
    ],
  ];
  test.each(cases)('%s', (_name, fn, message) => expectThrowsExactly(fn, message));
});
