import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { add, sub, mul, div, neg, pow, maximum, minimum, exp, gradcheck, tensor, tidy, Tensor } from '../../src/index.js';
import { broadcastPairArb, dtypeArb, naiveMap, seedArb, tolFor } from './core-util.js';
import { expectClose } from '../helpers/close.js';
import { rnd, uniformTensor } from '../helpers/random.js';

type Op = (a: Tensor | number, b: Tensor | number) => Tensor;
/** [op, reference, positive operands (for div and pow)] */
const OPS: [string, Op, (u: number, v: number) => number, boolean][] = [
  ['add', add, (u, v) => u + v, false],
  ['sub', sub, (u, v) => u - v, false],
  ['mul', mul, (u, v) => u * v, false],
  ['div', div, (u, v) => u / v, true],
  ['pow', pow, (u, v) => Math.pow(u, v), true],
  ['maximum', maximum, (u, v) => (u > v ? u : v), false],
  ['minimum', minimum, (u, v) => (u < v ? u : v), false],
];

/** Operands: normals, or values in [0.5, 2) where the op needs positive ones. */
const operand = (shape: number[], dtype: 'float32' | 'float64', seed: number, positive: boolean): Tensor =>
  positive ? uniformTensor(shape, dtype, seed, 0.5, 2) : rnd(shape, dtype, seed);

describe.each(OPS)('%s', (name, op, ref, positive) => {
  test('forward matches a naive broadcasting loop (float32 and float64, tensor and number operands)', () => {
    fc.assert(
      fc.property(broadcastPairArb(), dtypeArb, seedArb, fc.double({ min: 0.5, max: 2, noNaN: true }), ([sa, sb], dtype, seed, k) => {
        const a = operand(sa, dtype, seed, positive);
        const b = operand(sb, dtype, seed + 1, positive);
        const y = op(a, b);
        const want = naiveMap([a, b], ref);
        expect(y.shape).toEqual(want.shape);
        expect(y.dtype).toBe(dtype);
        expectClose(y.data, want.data, tolFor(dtype));
        // number operands take the tensor's dtype (k is rounded to it first, as a PyTorch scalar would be)
        const kk = dtype === 'float32' ? Math.fround(k) : k;
        expectClose(op(a, k).data, naiveMap([a], (u) => ref(u, kk)).data, tolFor(dtype));
        expectClose(op(k, b).data, naiveMap([b], (v) => ref(kk, v)).data, tolFor(dtype));
      }),
      { numRuns: 60, seed: 11 },
    );
  });

  test('float64 gradcheck over random broadcast shapes', () => {
    fc.assert(
      fc.property(broadcastPairArb(3, 3), seedArb, ([sa, sb], seed) => {
        const a = operand(sa, 'float64', seed, positive);
        const b = operand(sb, 'float64', seed + 1, positive);
        gradcheck((u, v) => op(u, v), [a, b], { name });
        gradcheck((u) => op(u, 1.5), [a], { name });
        gradcheck((v) => op(1.5, v), [b], { name });
      }),
      { numRuns: 25, seed: 12 },
    );
  });

  test('shape errors name the op and both shapes', () => {
    expect(() => op(tensor([1, 2, 3, 4, 5, 6], [2, 3]), tensor([1, 2, 3, 4], [4]))).toThrow(
      `${name}: shapes [2, 3] and [4] cannot broadcast`,
    );
  });
});

describe('binary ops, specifics', () => {
  test('neg flips the sign exactly: ±0, NaN, ±Infinity, int32 wrap; on heap float32 data (the wasm multiply by −1) too', () => {
    const v = [0, -0, 1.5, -2, NaN, Infinity, -Infinity, 3e38, 1e-45];
    for (const dtype of ['float32', 'float64'] as const) {
      const y = neg(tensor(v, [v.length], { dtype })).data;
      v.forEach((u, i) => expect(Object.is(y[i], dtype === 'float32' ? -Math.fround(u) : -u)).toBe(true));
    }
    expect(Array.from(neg(tensor([0, 5, -(2 ** 31), 2 ** 31 - 1], [4], { dtype: 'int32' })).data)).toEqual([0, -5, -(2 ** 31), -(2 ** 31) + 1]);
    tidy(() => {
      const x = rnd([3 * 7001], 'float32', 9);
      x.data[0] = 0;
      x.data[1] = -0;
      const y = neg(x).data;
      for (let i = 0; i < y.length; i++) if (!Object.is(y[i], -x.data[i])) throw new Error(`neg at ${i}: ${y[i]} for ${x.data[i]}`);
    });
  });

  test('neg forward and gradient', () => {
    const x = rnd([2, 3], 'float32', 3);
    expectClose(neg(x).data, Array.from(x.data, (v) => -v), 0);
    gradcheck(neg, [rnd([3, 1, 2], 'float64', 4)]);
  });

  test('dtype promotion: float32 with float64 gives float64; int32 with a fractional number gives float32', () => {
    expect(add(rnd([2], 'float32'), rnd([2], 'float64')).dtype).toBe('float64');
    expect(mul(tensor([1, 2], [2], { dtype: 'int32' }), 0.5).dtype).toBe('float32');
    expect(mul(tensor([1, 2], [2], { dtype: 'int32' }), 2).dtype).toBe('int32');
  });

  test('maximum/minimum split the gradient 0.5/0.5 on ties, as PyTorch', () => {
    const a = tensor([1, 2, 5], [3], { dtype: 'float64', requiresGrad: true });
    const b = tensor([1, 3, 4], [3], { dtype: 'float64', requiresGrad: true });
    maximum(a, b).sum().backward();
    expect(Array.from(a.grad!.data)).toEqual([0.5, 0, 1]);
    expect(Array.from(b.grad!.data)).toEqual([0.5, 1, 0]);
    a.grad = null;
    b.grad = null;
    minimum(a, b).sum().backward();
    expect(Array.from(a.grad!.data)).toEqual([0.5, 1, 0]);
    expect(Array.from(b.grad!.data)).toEqual([0.5, 0, 1]);
  });

  test('maximum/minimum propagate NaN', () => {
    expect(Number.isNaN(maximum(tensor([NaN]), tensor([1])).data[0])).toBe(true);
    expect(Number.isNaN(minimum(tensor([1]), tensor([NaN])).data[0])).toBe(true);
  });

  test('pow gradients are finite where PyTorch masks them: x^0 at x = 0 and 0^b for b >= 0', () => {
    const x = tensor([0, 2], [2], { dtype: 'float64', requiresGrad: true });
    const e = tensor([0, 0], [2], { dtype: 'float64', requiresGrad: true });
    pow(x, e).sum().backward();
    expect(Array.from(x.grad!.data)).toEqual([0, 0]); // d/dx x^0 = 0
    expect(Array.from(e.grad!.data)).toEqual([0, Math.log(2)]); // d/de x^e at e = 0 is ln x, masked to 0 at x = 0
    const base = tensor([0, 0], [2], { dtype: 'float64', requiresGrad: true });
    const b = tensor([2, 3], [2], { dtype: 'float64', requiresGrad: true });
    pow(base, b).sum().backward();
    expect(Array.from(b.grad!.data)).toEqual([0, 0]);
    expect(Array.from(base.grad!.data)).toEqual([0, 0]); // b·0^(b-1) = 0 for b > 1
  });

  test('pow with a tensor exponent: d/db = a^b ln a (explicit values)', () => {
    const a = tensor([2, 3], [2], { dtype: 'float64', requiresGrad: true });
    const b = tensor([3, 0.5], [2], { dtype: 'float64', requiresGrad: true });
    const y = pow(a, b);
    y.sum().backward();
    expectClose(y.data, [8, Math.sqrt(3)], 1e-15);
    expectClose(a.grad!.data, [3 * 4, 0.5 / Math.sqrt(3)], 1e-15);
    expectClose(b.grad!.data, [8 * Math.LN2, Math.sqrt(3) * Math.log(3)], 1e-15);
  });

  test('pow of a float32 tensor keeps float32 and matches Math.pow', () => {
    const x = exp(rnd([5], 'float32', 9));
    const y = pow(x, 2.5);
    expect(y.dtype).toBe('float32');
    expectClose(y.data, Array.from(x.data, (v) => Math.pow(v, Math.fround(2.5))), 2e-6);
  });
});
