/** conv2d: forward against the naive definition, float64 gradcheck over random geometry, structural identities, errors. */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { conv2d, gradcheck, tensor, zeros, Tensor, type Conv2dOptions, type PaddingMode } from '../../src/index.js';
import { maxRelErr } from '../golden.js';
import { rnd, refConv2d, refPad } from './conv-reference.js';
import { expectThrowsExactly } from './core-util.js';

interface ConvCase {
  N: number;
  Cin: number;
  Cout: number;
  groups: number;
  kH: number;
  kW: number;
  stride: [number, number];
  dilation: [number, number];
  padding: [number, number] | 'same' | 'valid';
  mode: PaddingMode;
  bias: boolean;
  H: number;
  W: number;
  seed: number;
}

/** Per-side padding [top, bottom, left, right] as PyTorch derives it. */
function sides(c: ConvCase): [number, number, number, number] {
  if (c.padding === 'valid') return [0, 0, 0, 0];
  if (c.padding === 'same') {
    const tH = c.dilation[0] * (c.kH - 1);
    const tW = c.dilation[1] * (c.kW - 1);
    return [tH >> 1, tH - (tH >> 1), tW >> 1, tW - (tW >> 1)];
  }
  return [c.padding[0], c.padding[0], c.padding[1], c.padding[1]];
}

/** Input size along one dim: the padded input is at least the dilated kernel, plus `extra`; mode limits respected. */
function inputSize(ek: number, p0: number, p1: number, extra: number, mode: PaddingMode): number {
  let n = Math.max(1, ek - p0 - p1) + extra;
  if (mode === 'reflect') n = Math.max(n, p0 + 1, p1 + 1);
  if (mode === 'circular') n = Math.max(n, p0, p1);
  return n;
}

/** Random conv2d geometry: batch 1-3, dense / depth-wise / grouped, strides 1-3, dilations 1-5, kH ≠ kW, every mode. */
const convCase = (maxK = 5): fc.Arbitrary<ConvCase> =>
  fc
    .record({
      N: fc.integer({ min: 1, max: 3 }),
      kind: fc.constantFrom('dense', 'depthwise', 'grouped'),
      a: fc.integer({ min: 1, max: 3 }),
      b: fc.integer({ min: 1, max: 3 }),
      g: fc.integer({ min: 2, max: 3 }),
      kH: fc.integer({ min: 1, max: maxK }),
      kW: fc.integer({ min: 1, max: maxK }),
      sH: fc.integer({ min: 1, max: 3 }),
      sW: fc.integer({ min: 1, max: 3 }),
      dH: fc.integer({ min: 1, max: 5 }),
      dW: fc.integer({ min: 1, max: 5 }),
      padding: fc.oneof(
        { weight: 4, arbitrary: fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 })) },
        { weight: 1, arbitrary: fc.constantFrom<'same' | 'valid'>('same', 'valid') },
      ),
      mode: fc.constantFrom<PaddingMode>('zeros', 'zeros', 'reflect', 'replicate', 'circular'),
      bias: fc.boolean(),
      extraH: fc.integer({ min: 0, max: 3 }),
      extraW: fc.integer({ min: 0, max: 3 }),
      seed: fc.nat(1 << 20),
    })
    .map((r) => {
      const [groups, cinG, coutG] = r.kind === 'dense' ? [1, r.a, r.b] : r.kind === 'depthwise' ? [r.a + 1, 1, 1] : [r.g, r.a, r.b];
      // keep the dilated kernel ≤ 11 wide so full gradchecks stay small
      const kH = Math.min(r.kH, Math.floor(10 / r.dH) + 1);
      const kW = Math.min(r.kW, Math.floor(10 / r.dW) + 1);
      const same = r.padding === 'same';
      const c: ConvCase = {
        N: r.N,
        Cin: cinG * groups,
        Cout: coutG * groups,
        groups,
        kH,
        kW,
        stride: same ? [1, 1] : [r.sH, r.sW],
        dilation: [r.dH, r.dW],
        padding: r.padding,
        mode: r.mode,
        bias: r.bias,
        H: 0,
        W: 0,
        seed: r.seed,
      };
      const [pt, pb, pl, pr] = sides(c);
      c.H = inputSize(r.dH * (kH - 1) + 1, pt, pb, r.extraH, r.mode);
      c.W = inputSize(r.dW * (kW - 1) + 1, pl, pr, r.extraW, r.mode);
      return c;
    });

const opts = (c: ConvCase): Conv2dOptions => ({
  stride: c.stride,
  padding: c.padding,
  dilation: c.dilation,
  groups: c.groups,
  paddingMode: c.mode,
});

function inputs(c: ConvCase, dtype: 'float32' | 'float64' = 'float64'): [Tensor, Tensor, Tensor | null] {
  const x = rnd([c.N, c.Cin, c.H, c.W], c.seed, dtype);
  const w = rnd([c.Cout, c.Cin / c.groups, c.kH, c.kW], c.seed + 1, dtype);
  const b = c.bias ? rnd([c.Cout], c.seed + 2, dtype) : null;
  return [x, w, b];
}

/** The oracle: pad by definition (for a non-zeros mode), then the naive zero-padded correlation. */
function reference(c: ConvCase, x: Tensor, w: Tensor, b: Tensor | null): Tensor {
  const [pt, pb, pl, pr] = sides(c);
  const ek = [c.dilation[0] * (c.kH - 1) + 1, c.dilation[1] * (c.kW - 1) + 1];
  const oH = Math.floor((c.H + pt + pb - ek[0]) / c.stride[0]) + 1;
  const oW = Math.floor((c.W + pl + pr - ek[1]) / c.stride[1]) + 1;
  const base = { stride: c.stride, dilation: c.dilation, groups: c.groups, oH, oW };
  if (c.mode === 'zeros') return refConv2d(x, w, b, { ...base, pad: [pt, pl] });
  return refConv2d(refPad(x, [pl, pr, pt, pb], c.mode), w, b, { ...base, pad: [0, 0] });
}

describe('conv2d forward', () => {
  test('equals the naive definition over random geometry and every padding mode (float64 1e-12, float32 1e-5)', () => {
    fc.assert(
      fc.property(convCase(), (c) => {
        const [x, w, b] = inputs(c);
        const want = reference(c, x, w, b);
        const y = conv2d(x, w, b, opts(c));
        expect(y.shape).toEqual(want.shape);
        expect(y.dtype).toBe('float64');
        expect(maxRelErr(y.data, want.data)).toBeLessThanOrEqual(1e-12);
        const [x32, w32, b32] = inputs(c, 'float32');
        const y32 = conv2d(x32, w32, b32, opts(c));
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
    fc.assert(
      fc.property(convCase(4), (c) => {
        const [x, w, b] = inputs(c);
        const fast = x.size + w.size > 600;
        const fn = (...t: Tensor[]): Tensor => conv2d(t[0], t[1], t[2] ?? null, opts(c));
        gradcheck(fn, b ? [x, w, b] : [x, w], { fast, names: ['input', 'weight', 'bias'], seed: c.seed });
      }),
      { numRuns: 80, seed: 0x6ad },
    );
  });

  test('larger cases pass gradcheck in random-direction mode', () => {
    fc.assert(
      fc.property(convCase(5), fc.integer({ min: 6, max: 12 }), (c0, grow) => {
        const c = { ...c0, H: c0.H + grow, W: c0.W + grow };
        const [x, w, b] = inputs(c);
        const fn = (...t: Tensor[]): Tensor => conv2d(t[0], t[1], t[2] ?? null, opts(c));
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

describe('conv2d structural identities', () => {
  const geom = fc.record({
    N: fc.integer({ min: 1, max: 2 }),
    C: fc.integer({ min: 1, max: 4 }),
    k: fc.integer({ min: 1, max: 4 }),
    k2: fc.integer({ min: 1, max: 4 }),
    d: fc.integer({ min: 1, max: 5 }),
    s: fc.integer({ min: 1, max: 3 }),
    p: fc.integer({ min: 0, max: 4 }),
    H: fc.integer({ min: 1, max: 9 }),
    W: fc.integer({ min: 1, max: 9 }),
    seed: fc.nat(1 << 20),
  });

  test('depth-wise equals one single-channel conv per channel', () => {
    fc.assert(
      fc.property(geom, ({ N, C, k, k2, d, s, p, H, W, seed }) => {
        const Hx = Math.max(H, d * (k - 1) + 1);
        const Wx = Math.max(W, d * (k2 - 1) + 1);
        const x = rnd([N, C, Hx, Wx], seed);
        const w = rnd([C, 1, k, k2], seed + 1);
        const b = rnd([C], seed + 2);
        const o = { stride: s, padding: p, dilation: d };
        const y = conv2d(x, w, b, { ...o, groups: C });
        const [, , oH, oW] = y.shape;
        for (let c = 0; c < C; c++) {
          const xc = new Float64Array(N * Hx * Wx);
          for (let n = 0; n < N; n++) xc.set(x.data.subarray((n * C + c) * Hx * Wx, (n * C + c + 1) * Hx * Wx), n * Hx * Wx);
          const wc = new Tensor(w.data.slice(c * k * k2, (c + 1) * k * k2), [1, 1, k, k2]);
          const yc = conv2d(new Tensor(xc, [N, 1, Hx, Wx]), wc, new Tensor(b.data.slice(c, c + 1), [1]), o);
          for (let n = 0; n < N; n++) {
            const got = y.data.subarray((n * C + c) * oH * oW, (n * C + c + 1) * oH * oW);
            expect(Array.from(got)).toEqual(Array.from(yc.data.subarray(n * oH * oW, (n + 1) * oH * oW)));
          }
        }
      }),
      { numRuns: 40, seed: 11 },
    );
  });

  test('dilation d equals the undilated kernel with d − 1 zeros inserted between taps', () => {
    fc.assert(
      fc.property(geom, ({ N, C, k, k2, d, s, p, H, W, seed }) => {
        const [eH, eW] = [d * (k - 1) + 1, d * (k2 - 1) + 1];
        const x = rnd([N, C, Math.max(H, eH), Math.max(W, eW)], seed);
        const w = rnd([2, C, k, k2], seed + 1);
        const wz = new Float64Array(2 * C * eH * eW);
        for (let q = 0; q < 2 * C; q++)
          for (let kh = 0; kh < k; kh++)
            for (let kw = 0; kw < k2; kw++) wz[(q * eH + kh * d) * eW + kw * d] = w.data[(q * k + kh) * k2 + kw];
        const y = conv2d(x, w, null, { stride: s, padding: p, dilation: d });
        const yz = conv2d(x, new Tensor(wz, [2, C, eH, eW]), null, { stride: s, padding: p });
        expect(yz.shape).toEqual(y.shape);
        expect(maxRelErr(y.data, yz.data)).toBeLessThanOrEqual(1e-12);
      }),
      { numRuns: 40, seed: 12 },
    );
  });

  test('a 1xk strip equals a kxk kernel that is zero except its middle row (and kx1 likewise)', () => {
    fc.assert(
      fc.property(geom, fc.boolean(), ({ N, C, k, d, s, H, W, seed }, vertical) => {
        const kk = 2 * k - 1; // odd, so the middle row keeps the alignment with padding (kk − 1)/2 · d
        const half = ((kk - 1) / 2) * d;
        const x = rnd([N, C, H, W], seed);
        const strip = rnd(vertical ? [3, C, kk, 1] : [3, C, 1, kk], seed + 1);
        const square = new Float64Array(3 * C * kk * kk);
        const mid = (kk - 1) / 2;
        for (let q = 0; q < 3 * C; q++)
          for (let t = 0; t < kk; t++) {
            const [kh, kw] = vertical ? [t, mid] : [mid, t];
            square[(q * kk + kh) * kk + kw] = strip.data[q * kk + t];
          }
        const pStrip: [number, number] = vertical ? [half, 0] : [0, half];
        const y = conv2d(x, strip, null, { stride: s, padding: pStrip, dilation: d });
        const yq = conv2d(x, new Tensor(square, [3, C, kk, kk]), null, { stride: s, padding: half, dilation: d });
        expect(yq.shape).toEqual(y.shape);
        expect(maxRelErr(y.data, yq.data)).toBeLessThanOrEqual(1e-12);
      }),
      { numRuns: 40, seed: 13 },
    );
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
