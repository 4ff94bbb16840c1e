/** addN: forward vs a naive loop and bit-exact vs the chained binary adds, the kernel's ranges, gradcheck, errors. */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { add, addN, gradcheck, mul, sum, Tensor, tensor } from '../../src/index.js';
import { addNKernel } from '../../src/kernels/add-n.js';
import { expectThrowsExactly, seedArb, shapeArb } from './core-util.js';
import { rnd, uniformTensor } from '../helpers/random.js';

const bitsOf = (t: Tensor): number[] =>
  Array.from(t.dtype === 'float64' ? new Uint32Array(t.data.buffer, t.data.byteOffset, 2 * t.size) : new Uint32Array(t.data.buffer, t.data.byteOffset, t.size));

/** Tensors with wildly different magnitudes, so the order of the additions shows in the rounded result. */
function operands(shape: number[], dtype: 'float32' | 'float64', k: number, seed: number): Tensor[] {
  return Array.from({ length: k }, (_, j) => {
    const t = rnd(shape, dtype, seed + j);
    const scale = [1, 1e7, 3e-3, 1e-7, 65536][j % 5];
    return new Tensor(t.data.map((v) => v * scale), shape);
  });
}

const chained = (ts: Tensor[]): Tensor => ts.slice(1).reduce((acc, t) => add(acc, t), ts[0]);

describe('addN', () => {
  test('forward: a naive left-to-right loop, bit-exact to the chained adds (float32, float64)', () => {
    fc.assert(
      fc.property(shapeArb(4, 6), fc.integer({ min: 1, max: 7 }), fc.constantFrom('float32', 'float64'), seedArb, (shape, k, dtype, seed) => {
        const ts = operands(shape, dtype, k, seed);
        const y = addN(ts);
        expect(y.shape).toEqual(shape);
        expect(y.dtype).toBe(dtype);
        const round = dtype === 'float32' ? Math.fround : (v: number) => v;
        const want = Array.from({ length: y.size }, (_, i) => ts.slice(1).reduce((s, t) => round(s + t.data[i]), ts[0].data[i]));
        expect(Array.from(y.data)).toEqual(want);
        expect(bitsOf(y)).toEqual(bitsOf(k === 1 ? ts[0] : chained(ts)));
      }),
      { numRuns: 150, seed: 0xadd },
    );
  });

  test('the ordering matters and is the chained one: (1e8 + 1) - 1e8 in float32 is 0, not 1', () => {
    const ts = [tensor([1e8], [1], { dtype: 'float32' }), tensor([1], [1], { dtype: 'float32' }), tensor([-1e8], [1], { dtype: 'float32' })];
    expect(addN(ts).data[0]).toBe(0);
    expect(addN([ts[0], ts[2], ts[1]]).data[0]).toBe(1);
  });

  test('int32 wraps like the chained adds', () => {
    const big = tensor([2 ** 31 - 1, -5, 7], [3], { dtype: 'int32' }), one = tensor([1, 2, 3], [3], { dtype: 'int32' });
    const y = addN([big, one, one]);
    expect(y.dtype).toBe('int32');
    expect(Array.from(y.data)).toEqual(Array.from(chained([big, one, one]).data));
  });

  test('kernel: any split of [0, n) into ranges (across block boundaries) gives the same bits, outside untouched', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 1, max: 6 }), fc.array(fc.nat(5000), { maxLength: 4 }), seedArb, (n, k, cuts, seed) => {
        const xs = operands([n], 'float32', k, seed).map((t) => t.data as Float32Array);
        const whole = new Float32Array(n);
        addNKernel(whole, xs, 0, n);
        const bounds = [0, ...cuts.map((c) => c % (n + 1)).sort((a, b) => a - b), n];
        const parts = new Float32Array(n).fill(NaN);
        for (let p = 0; p + 1 < bounds.length; p++) addNKernel(parts, xs, bounds[p], bounds[p + 1]);
        expect(Array.from(new Uint32Array(parts.buffer))).toEqual(Array.from(new Uint32Array(whole.buffer)));
        const mid = new Float32Array(n).fill(-3), lo = bounds[1], hi = Math.max(lo, bounds[bounds.length - 2]);
        addNKernel(mid, xs, lo, hi);
        expect(Array.from(mid)).toEqual(Array.from(whole, (v, i) => (i >= lo && i < hi ? v : -3)));
      }),
      { numRuns: 60, seed: 0xadd + 1 },
    );
  });

  test('float64 gradcheck: every input gets gy (inputs repeated too)', () => {
    fc.assert(
      fc.property(shapeArb(3, 4), fc.integer({ min: 1, max: 5 }), seedArb, (shape, k, seed) => {
        const ts = Array.from({ length: k }, (_, j) => rnd(shape, 'float64', seed + j));
        gradcheck((...xs) => addN(xs), ts, { name: 'addN' });
        gradcheck((a, b) => addN([a, b, a, mul(b, b)]), ts.length > 1 ? ts.slice(0, 2) : [ts[0], ts[0]], { name: 'addN repeated' });
      }),
      { numRuns: 30, seed: 0xadd + 2 },
    );
  });

  test('backward: the gradients equal the chained adds\' and only inputs that need one get one', () => {
    const [a, b, c] = [0, 1, 2].map((j) => uniformTensor([2, 3], 'float32', 40 + j));
    a.requiresGrad = true;
    c.requiresGrad = true;
    sum(mul(addN([a, b, c]), uniformTensor([2, 3], 'float32', 9))).backward();
    expect(b.grad).toBeNull();
    expect(Array.from(a.grad!.data)).toEqual(Array.from(uniformTensor([2, 3], 'float32', 9).data));
    expect(Array.from(c.grad!.data)).toEqual(Array.from(a.grad!.data));
  });

  test('errors name the op, the argument and the shapes or dtypes', () => {
    const a = rnd([2, 3], 'float32'), b = rnd([3, 2], 'float32'), c = rnd([1, 3], 'float32'), d = rnd([2, 3], 'float64');
    expectThrowsExactly(() => addN([]), 'addN: expects a non-empty array of tensors');
    expectThrowsExactly(() => addN([a, a, b]), 'addN: tensors[2] must have the shape of tensors[0] (no broadcasting); tensors[0] [2, 3], tensors[2] [3, 2]');
    expectThrowsExactly(() => addN([a, c]), 'addN: tensors[1] must have the shape of tensors[0] (no broadcasting); tensors[0] [2, 3], tensors[1] [1, 3]');
    expectThrowsExactly(() => addN([a, d]), 'addN: tensors[1] has dtype float64, tensors[0] float32 (no promotion); tensors[0] [2, 3], tensors[1] [2, 3]');
    expectThrowsExactly(() => addN([a, 2 as unknown as Tensor]), 'addN: tensors[1] is not a Tensor');
  });
});
