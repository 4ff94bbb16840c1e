import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { sum, mean, max, min, argmax, sumTo, add, gradcheck, tensor, full, Tensor } from '../../src/index.js';
import { reducePlan, reduceSum } from '../../src/kernels/reduce.js';
import { broadcastStrides, sumToBroadcast } from '../../src/kernels/elementwise.js';
import { dtypeArb, seedArb, shapeArb, size, tolFor, unravel, ravel } from './core-util.js';
import { expectClose } from '../helpers/close.js';
import { rnd, uniformTensor } from '../helpers/random.js';

/** A shape and a random axis argument for it: undefined (all), one axis or a list, negative or not. */
const shapeAndAxes = fc
  .tuple(shapeArb(4, 4), fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }), fc.constantFrom('all', 'list', 'one'), fc.boolean(), fc.boolean())
  .map(([shape, pick, kind, negative, keepdim]) => {
    const list = shape.map((_, i) => i).filter((i) => pick[i]);
    const sign = (a: number): number => (negative ? a - shape.length : a);
    let axis: number | number[] | undefined;
    if (kind === 'all' || shape.length === 0) axis = undefined;
    else if (kind === 'one') axis = sign(list[0] ?? 0);
    else axis = list.map(sign);
    return { shape, axis, keepdim };
  });

const axesOf = (shape: number[], axis: number | number[] | undefined): number[] =>
  axis === undefined ? shape.map((_, i) => i) : (typeof axis === 'number' ? [axis] : axis).map((a) => (a < 0 ? a + shape.length : a));

/**
 * Naive reduction: walk the input in flat order, send each element to its output index, combine with `step`
 * (which sees the running value and the element's index within its group, counted in input order).
 */
function naiveReduce(x: Tensor, axis: number | number[] | undefined, keepdim: boolean, init: number, step: (acc: number, v: number) => number) {
  const axes = axesOf([...x.shape], axis);
  const outShape = x.shape.flatMap((d, i) => (axes.includes(i) ? (keepdim ? [1] : []) : [d]));
  const keptShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const acc = new Array<number>(size(outShape)).fill(init);
  const count = new Array<number>(size(outShape)).fill(0);
  for (let i = 0; i < x.size; i++) {
    const idx = unravel(i, x.shape).map((v, d) => (axes.includes(d) ? 0 : v));
    const o = ravel(idx, keptShape);
    acc[o] = step(acc[o], x.data[i]);
    count[o]++;
  }
  return { outShape, acc, count };
}

/** Naive arg-extreme: index within the group of the first strictly better element. */
function naiveArg(x: Tensor, axis: number | undefined, better: (v: number, m: number) => boolean) {
  const axes = axesOf([...x.shape], axis);
  const keptShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const best = new Array<number>(size(keptShape)).fill(NaN);
  const arg = new Array<number>(size(keptShape)).fill(-1);
  for (let i = 0; i < x.size; i++) {
    const full = unravel(i, x.shape);
    const o = ravel(full.map((v, d) => (axes.includes(d) ? 0 : v)), keptShape);
    const within = axis === undefined ? i : full[axes[0]] ?? 0;
    if (arg[o] < 0 || better(x.data[i], best[o])) {
      best[o] = x.data[i];
      arg[o] = within;
    }
  }
  return { best, arg };
}

describe('sum and mean', () => {
  test('forward matches a naive loop over random shapes, axes and keepdim (float32, float64)', () => {
    fc.assert(
      fc.property(shapeAndAxes, dtypeArb, seedArb, ({ shape, axis, keepdim }, dtype, seed) => {
        const x = rnd(shape, dtype, seed);
        const s = sum(x, axis, { keepdim });
        const want = naiveReduce(x, axis, keepdim, 0, (a, v) => a + v);
        expect(s.shape).toEqual(want.outShape);
        expect(s.dtype).toBe(dtype);
        expectClose(s.data, want.acc, tolFor(dtype));
        const m = mean(x, axis, { keepdim });
        expectClose(m.data, want.acc.map((a, i) => a / want.count[i]), tolFor(dtype));
      }),
      { numRuns: 150, seed: 31 },
    );
  });

  test('float64 gradcheck over random shapes and axes', () => {
    fc.assert(
      fc.property(shapeAndAxes, seedArb, ({ shape, axis, keepdim }, seed) => {
        const x = rnd(shape, 'float64', seed);
        gradcheck((u) => sum(u, axis, { keepdim }), [x], { name: 'sum' });
        gradcheck((u) => mean(u, axis, { keepdim }), [x], { name: 'mean' });
      }),
      { numRuns: 40, seed: 32 },
    );
  });

  test('float32 sums of 100k values accumulate in doubles (all, over an axis, and in sumTo)', () => {
    const n = 100_000;
    const x = full([n], 0.1, { dtype: 'float32' });
    const exact = n * Math.fround(0.1); // the float32 inputs summed exactly: 10000.000149...
    expect(Math.abs(sum(x).item() - exact)).toBeLessThanOrEqual(exact * 2 ** -24); // one float32 rounding
    expect(Math.abs(mean(x).item() - Math.fround(0.1))).toBe(0);
    const cols = full([n, 2], 0.1, { dtype: 'float32' });
    for (const v of sum(cols, 0).data) expect(Math.abs(v - exact)).toBeLessThanOrEqual(exact * 2 ** -24);
    for (const v of sumTo(cols, [1, 2]).data) expect(Math.abs(v - exact)).toBeLessThanOrEqual(exact * 2 ** -24);
    // the gradient of a broadcast add sums gy over the broadcast dim: same accuracy
    const b = full([2], 0, { dtype: 'float32', requiresGrad: true });
    add(cols, b).backward(full([n, 2], 0.1, { dtype: 'float32' }));
    for (const v of b.grad!.data) expect(Math.abs(v - exact)).toBeLessThanOrEqual(exact * 2 ** -24);
  });

  test('sum of an int32 tensor stays int32; sum over an empty dim is 0, mean of it NaN', () => {
    const s = sum(tensor([1, 2, 3, 4], [2, 2], { dtype: 'int32' }), 1);
    expect(s.dtype).toBe('int32');
    expect(Array.from(s.data)).toEqual([3, 7]);
    expect(Array.from(sum(rnd([0, 3]), 0).data)).toEqual([0, 0, 0]);
    expect(Number.isNaN(mean(rnd([0, 3]), 0).data[0])).toBe(true);
  });

  test('0-d tensors: sum and mean are the value itself', () => {
    const x = tensor(2.5, [], { dtype: 'float64' });
    expect(sum(x).shape).toEqual([]);
    expect(sum(x, 0).item()).toBe(2.5);
    expect(mean(x).item()).toBe(2.5);
  });

  test('errors: bad axis, repeated axis, mean of int32', () => {
    expect(() => sum(rnd([2, 3]), 2)).toThrow('sum: axis 2 is out of range for a tensor of rank 2');
    expect(() => mean(rnd([2, 3]), [1, -1])).toThrow('mean: axis [1,-1] repeats a dim; input [2, 3]');
    expect(() => mean(tensor([1, 2], [2], { dtype: 'int32' }))).toThrow('mean: expects a float tensor, got int32; input [2]');
  });
});

describe('max, min and argmax', () => {
  test('values match a naive loop; ties resolved to the first index (small integers force ties)', () => {
    fc.assert(
      fc.property(shapeAndAxes, fc.constantFrom('float32', 'float64', 'int32' as const), seedArb, ({ shape, axis, keepdim }, dtype, seed) => {
        const x = uniformTensor(shape, dtype, seed, -3, 3, true);
        const mx = naiveReduce(x, axis, keepdim, -Infinity, (a, v) => Math.max(a, v));
        const mn = naiveReduce(x, axis, keepdim, Infinity, (a, v) => Math.min(a, v));
        expect(max(x, axis, { keepdim }).shape).toEqual(mx.outShape);
        expect(Array.from(max(x, axis, { keepdim }).data)).toEqual(mx.acc);
        expect(Array.from(min(x, axis, { keepdim }).data)).toEqual(mn.acc);
        const one = typeof axis === 'number' ? axis : undefined;
        const am = argmax(x, one, { keepdim });
        expect(am.dtype).toBe('int32');
        expect(am.shape).toEqual(naiveReduce(x, one, keepdim, 0, (a) => a).outShape);
        expect(Array.from(am.data)).toEqual(naiveArg(x, one, (v, m) => v > m).arg);
      }),
      { numRuns: 150, seed: 33 },
    );
  });

  test('the gradient goes to the first max/min element of each group (as torch.max(dim))', () => {
    const x = tensor([1, 3, 3, 0, 2, 0], [2, 3], { dtype: 'float64', requiresGrad: true });
    max(x, 1).backward(tensor([10, 20], [2], { dtype: 'float64' }));
    expect(Array.from(x.grad!.data)).toEqual([0, 10, 0, 0, 20, 0]);
    x.grad = null;
    min(x, 1).backward(tensor([10, 20], [2], { dtype: 'float64' }));
    expect(Array.from(x.grad!.data)).toEqual([10, 0, 0, 20, 0, 0]);
    x.grad = null;
    max(x).backward();
    expect(Array.from(x.grad!.data)).toEqual([0, 1, 0, 0, 0, 0]);
  });

  test('float64 gradcheck of max and min over random shapes and axes (distinct values)', () => {
    fc.assert(
      fc.property(shapeAndAxes, seedArb, ({ shape, axis, keepdim }, seed) => {
        const x = rnd(shape, 'float64', seed);
        gradcheck((u) => max(u, axis, { keepdim }), [x], { name: 'max' });
        gradcheck((u) => min(u, axis, { keepdim }), [x], { name: 'min' });
      }),
      { numRuns: 40, seed: 34 },
    );
  });

  test('NaN propagates through max and min; argmax points at the first NaN', () => {
    const x = tensor([1, NaN, 5, NaN], [4]);
    expect(Number.isNaN(max(x).item())).toBe(true);
    expect(Number.isNaN(min(x).item())).toBe(true);
    expect(argmax(x).item()).toBe(1);
  });

  test('argmax without an axis indexes the flattened tensor; keepdim gives all-1 dims', () => {
    const x = tensor([0, 1, 9, 2, 9, 3], [2, 3]);
    expect(argmax(x).item()).toBe(2);
    expect(argmax(x, undefined, { keepdim: true }).shape).toEqual([1, 1]);
    expect(Array.from(argmax(x, 0).data)).toEqual([1, 1, 0]);
    expect(Array.from(argmax(x, -1, { keepdim: true }).data)).toEqual([2, 1]);
    expect(argmax(tensor(4, [])).item()).toBe(0);
  });

  test('errors: empty reductions and bad axes name the op and shape', () => {
    expect(() => max(rnd([0, 3]))).toThrow('max: cannot reduce over an empty dimension; input [0, 3]');
    expect(() => min(rnd([2, 0]), 1)).toThrow('min: cannot reduce over an empty dimension; input [2, 0]');
    expect(max(rnd([0, 3]), 1).shape).toEqual([0]); // no groups at all is fine (nothing to reduce)
    expect(() => argmax(rnd([2, 3]), -3)).toThrow('argmax: axis -3 is out of range for a tensor of rank 2');
  });
});

describe('reduce kernel and sumTo', () => {
  test('splitting the rows of a reduction over (lo, hi) ranges gives the same result', () => {
    fc.assert(
      fc.property(shapeAndAxes, seedArb, fc.nat(), ({ shape, axis }, seed, cut) => {
        const x = rnd(shape, 'float64', seed);
        const plan = reducePlan(shape, axesOf(shape, axis));
        const whole = new Float64Array(plan.rows * plan.J);
        reduceSum(whole, x.data, plan);
        const parts = new Float64Array(whole.length);
        const mid = plan.rows === 0 ? 0 : cut % (plan.rows + 1);
        reduceSum(parts, x.data, plan, 1, 0, mid);
        reduceSum(parts, x.data, plan, 1, mid, plan.rows);
        expect(Array.from(parts)).toEqual(Array.from(whole));
      }),
      { numRuns: 60, seed: 35 },
    );
  });

  test('sumToBroadcast (the strided adjoint of broadcasting) also accumulates float32 in doubles', () => {
    const n = 100_000;
    const g = full([n, 2], 0.1, { dtype: 'float32' });
    const out = new Float32Array(2);
    sumToBroadcast(out, broadcastStrides([2], [n, 2]), g.data, [n, 2]);
    const exact = n * Math.fround(0.1);
    for (const v of out) expect(Math.abs(v - exact)).toBeLessThanOrEqual(exact * 2 ** -24);
  });

  test('sumTo sums over broadcast dims (naive check) and rejects shapes it cannot come from', () => {
    const g = rnd([2, 3, 4], 'float64', 5);
    const want = naiveReduce(g, [0, 2], true, 0, (a, v) => a + v);
    const got = sumTo(g, [3, 1]);
    expect(got.shape).toEqual([3, 1]);
    expectClose(got.data, want.acc, 1e-12);
    expect(() => sumTo(g, [2, 1])).toThrow('sumTo: cannot sum [2, 3, 4] down to [2, 1]');
    expect(() => sumTo(g, [1, 2, 3, 4])).toThrow('sumTo: cannot sum [2, 3, 4] down to [1, 2, 3, 4]');
  });
});
