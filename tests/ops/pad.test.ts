/** pad (F.pad): golden fixtures, the definition for every mode, adjointness, float64 gradcheck, errors by text. */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { pad, gradcheck, tensor, zeros, backward, Tensor, type PadMode } from '../../src/index.js';
import { loadGolden, goldenFiles } from '../golden.js';
import { dot, refPad } from './conv-reference.js';
import { expectThrowsExactly } from './core-util.js';
import { maxRelErr, relClose } from '../helpers/close.js';
import { seeded as rnd } from '../helpers/random.js';

interface PadCase {
  shape: number[];
  pads: number[];
  mode: PadMode;
  value: number;
  seed: number;
}

/** constant: rank 1-4, 0..rank padded dims, pads in [−2, 3] that leave every size ≥ 0. */
const constantCase: fc.Arbitrary<PadCase> = fc
  .record({
    shape: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }),
    k: fc.nat(4),
    raw: fc.array(fc.integer({ min: -2, max: 3 }), { minLength: 8, maxLength: 8 }),
    value: fc.constantFrom(0, 1.5, -2),
    seed: fc.nat(1 << 20),
  })
  .map(({ shape, k, raw, value, seed }) => {
    const kk = Math.min(k, shape.length);
    const pads: number[] = [];
    for (let j = 0; j < kk; j++) {
      const n = shape[shape.length - 1 - j];
      let [a, b] = [raw[2 * j], raw[2 * j + 1]];
      if (n + a + b < 0) [a, b] = [Math.max(a, -n), Math.max(b, -n - Math.max(a, -n))];
      pads.push(a, b);
    }
    return { shape, pads, mode: 'constant' as PadMode, value, seed };
  });

/** reflect / replicate / circular: k = 1-3 padded dims on a (k+1)-D or (k+2)-D input, pads within each mode's limit. */
const gatherCase: fc.Arbitrary<PadCase> = fc
  .record({
    mode: fc.constantFrom<PadMode>('reflect', 'replicate', 'circular'),
    k: fc.integer({ min: 1, max: 3 }),
    extra: fc.integer({ min: 1, max: 2 }),
    dims: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 5, maxLength: 5 }),
    raw: fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 6, maxLength: 6 }),
    seed: fc.nat(1 << 20),
  })
  .map(({ mode, k, extra, dims, raw, seed }) => {
    const shape = dims.slice(0, k + extra);
    const pads: number[] = [];
    for (let j = 0; j < k; j++) {
      const n = shape[shape.length - 1 - j];
      const limit = mode === 'reflect' ? n - 1 : mode === 'circular' ? n : 5;
      pads.push(Math.min(raw[2 * j], limit), Math.min(raw[2 * j + 1], limit));
    }
    return { shape, pads, mode, value: 0, seed };
  });

const anyCase = fc.oneof(constantCase, gatherCase);

describe('pad golden fixtures (float64, ≤ 1e-10)', () => {
  const files = goldenFiles('ops').filter((f) => f.startsWith('pad_'));
  test('the fixture set is there', () => expect(files.length).toBeGreaterThanOrEqual(2));
  test.each(files)('%s', (file) => {
    const g = loadGolden(`ops/${file}`);
    const x = new Tensor(g.get('x').data.slice(), g.get('x').shape).requiresGrad_(true);
    const y = pad(x, g.attrs.pads as number[], { mode: g.attrs.mode as PadMode, value: g.attrs.value as number });
    expect(y.shape).toEqual(g.get('y').shape);
    expect(maxRelErr(y.data, g.get('y').data)).toBeLessThanOrEqual(1e-10);
    backward(y, g.get('gy'));
    expect(maxRelErr(x.grad!.data, g.get('gx').data)).toBeLessThanOrEqual(1e-10);
  });
});

describe('pad', () => {
  test('reflect mirrors without repeating the edge, replicate clamps, circular wraps (numpy/PyTorch)', () => {
    const x = tensor([1, 2, 3], [1, 1, 3]);
    expect(Array.from(pad(x, [2, 2], { mode: 'reflect' }).data)).toEqual([3, 2, 1, 2, 3, 2, 1]);
    expect(Array.from(pad(x, [2, 2], { mode: 'replicate' }).data)).toEqual([1, 1, 1, 2, 3, 3, 3]);
    expect(Array.from(pad(x, [2, 3], { mode: 'circular' }).data)).toEqual([2, 3, 1, 2, 3, 1, 2, 3]);
    expect(Array.from(pad(x, [1, -1], { value: 9 }).data)).toEqual([9, 1, 2]);
    const m = tensor([1, 2, 3, 4, 5, 6], [1, 2, 3]);
    expect(pad(m, [1, 0, 1, 1], { mode: 'reflect' }).tolist()).toEqual([
      [
        [5, 4, 5, 6],
        [2, 1, 2, 3],
        [5, 4, 5, 6],
        [2, 1, 2, 3],
      ],
    ]);
  });

  test('equals the definition for every mode, rank and pad (constant: any rank, negative pads crop)', () => {
    fc.assert(
      fc.property(anyCase, fc.constantFrom<'float32' | 'float64' | 'int32'>('float64', 'float32', 'int32'), (c, dtype) => {
        const x0 = rnd(c.shape, c.seed, dtype === 'int32' ? 'float64' : dtype);
        const x = dtype === 'int32' ? new Tensor(Int32Array.from(x0.data, (v) => Math.round(3 * v)), c.shape) : x0;
        const value = dtype === 'int32' ? Math.trunc(c.value) : c.value;
        const y = pad(x, c.pads, { mode: c.mode, value });
        const want = refPad(x, c.pads, c.mode, value);
        expect(y.shape).toEqual(want.shape);
        expect(y.dtype).toBe(dtype);
        expect(Array.from(y.data)).toEqual(Array.from(want.data));
      }),
      { numRuns: 200, seed: 41 },
    );
  });

  test('the backward is the exact adjoint: ⟨pad(x), u⟩ = ⟨x, padᵀ(u)⟩ (value 0)', () => {
    fc.assert(
      fc.property(anyCase, (c) => {
        const x = rnd(c.shape, c.seed).requiresGrad_(true);
        const y = pad(x, c.pads, { mode: c.mode });
        const u = rnd([...y.shape], c.seed + 1);
        backward(y, u);
        expect(relClose(dot(y.data, u.data), dot(x.data, x.grad!.data), 1e-12)).toBe(true);
      }),
      { numRuns: 100, seed: 42 },
    );
  });

  test('the gradient passes float64 gradcheck for every mode', () => {
    fc.assert(
      fc.property(anyCase, (c) => {
        const x = rnd(c.shape, c.seed);
        gradcheck((t) => pad(t, c.pads, { mode: c.mode, value: c.value }), [x], { fast: x.size > 200, seed: c.seed });
      }),
      { numRuns: 60, seed: 43 },
    );
  });

  test('reflect gradient adds up the mirrored positions', () => {
    const x = tensor([1, 2, 3], [1, 1, 3], { dtype: 'float64', requiresGrad: true });
    const y = pad(x, [2, 1], { mode: 'reflect' }); // [3, 2, 1, 2, 3, 2]
    y.backward(tensor([1, 10, 100, 1000, 10000, 100000], [1, 1, 6], { dtype: 'float64' }));
    expect(Array.from(x.grad!.data)).toEqual([100, 1000 + 10 + 100000, 10000 + 1]);
  });

  const x = zeros([1, 2, 3, 3]);
  const cases: [string, () => unknown, string][] = [
    ['odd pads', () => pad(x, [1, 1, 1]), 'pad: pads must be an even-length list of integers ([left, right, top, bottom, ...]), got [1, 1, 1]; input [1, 2, 3, 3]'],
    ['fractional pads', () => pad(x, [1, 0.5]), 'pad: pads must be an even-length list of integers ([left, right, top, bottom, ...]), got [1, 0.5]; input [1, 2, 3, 3]'],
    ['too many pads', () => pad(zeros([3, 3]), [1, 1, 1, 1, 1, 1]), 'pad: pads [1, 1, 1, 1, 1, 1] cover 3 dims but the input has only 2; input [3, 3]'],
    ['bad mode', () => pad(x, [1, 1], { mode: 'symmetric' as PadMode }), "pad: mode must be one of 'constant', 'reflect', 'replicate', 'circular', got 'symmetric'"],
    ['crop below zero', () => pad(x, [-2, -2]), 'pad: pads (-2, -2) leave a negative size -1 in dim 3; input [1, 2, 3, 3]'],
    [
      'reflect too large',
      () => pad(x, [4, 4, 0, 0], { mode: 'reflect' }),
      'pad: reflect padding (4) must be smaller than the input size (3) in dim 3; input [1, 2, 3, 3]',
    ],
    [
      'reflect equal to the size',
      () => pad(x, [0, 0, 0, 3], { mode: 'reflect' }),
      'pad: reflect padding (3) must be smaller than the input size (3) in dim 2; input [1, 2, 3, 3]',
    ],
    [
      'circular wrapping twice',
      () => pad(x, [4, 0, 0, 0], { mode: 'circular' }),
      'pad: circular padding (4) must not exceed the input size (3) in dim 3; input [1, 2, 3, 3]',
    ],
    ['negative reflect', () => pad(x, [-1, 0, 0, 0], { mode: 'reflect' }), 'pad: reflect padding must be non-negative, got -1 in dim 3; input [1, 2, 3, 3]'],
    [
      'reflect of 2 dims on a 2-D input',
      () => pad(zeros([3, 3]), [1, 1, 1, 1], { mode: 'reflect' }),
      'pad: reflect padding of 2 dims needs a 3-D or 4-D input (1 to 3 padded dims), got 2-D; input [3, 3]',
    ],
    [
      'replicate of 1 dim on a 4-D input',
      () => pad(x, [1, 1], { mode: 'replicate' }),
      'pad: replicate padding of 1 dims needs a 2-D or 3-D input (1 to 3 padded dims), got 4-D; input [1, 2, 3, 3]',
    ],
    ['value with reflect', () => pad(x, [1, 1, 1, 1], { mode: 'reflect', value: 2 }), "pad: mode 'reflect' does not take a value, got 2"],
    ['empty dim for replicate', () => pad(zeros([1, 2, 0]), [1, 1], { mode: 'replicate' }), 'pad: replicate padding needs a non-empty dim 2; input [1, 2, 0]'],
  ];
  test.each(cases)('error: %s', (_name, fn, message) => expectThrowsExactly(fn, message));
});
