import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { slice, narrow, cat, stack, mul, gradcheck, arange, tensor, Tensor } from '../../src/index.js';
import { loadGolden } from '../golden.js';
import { dtypeArb, ravel, seedArb, shapeArb, unravel } from './core-util.js';
import { maxRelErr, expectClose } from '../helpers/close.js';
import { rnd } from '../helpers/random.js';

/** Naive slice: y[..., i, ...] = x[..., start + i·step, ...]. */
function naiveSlice(x: Tensor, axis: number, start: number, end: number, step: number): number[] {
  const shape = [...x.shape];
  shape[axis] = Math.max(0, Math.ceil((end - start) / step));
  const out: number[] = [];
  for (let i = 0; i < shape.reduce((p, d) => p * d, 1); i++) {
    const idx = unravel(i, shape);
    idx[axis] = start + idx[axis] * step;
    out.push(x.data[ravel(idx, x.shape)]);
  }
  return out;
}

/** Naive cat: find which input each output index along axis comes from. */
function naiveCat(ts: Tensor[], axis: number): number[] {
  const shape = [...ts[0].shape];
  shape[axis] = ts.reduce((s, t) => s + t.shape[axis], 0);
  const out: number[] = [];
  for (let i = 0; i < shape.reduce((p, d) => p * d, 1); i++) {
    const idx = unravel(i, shape);
    let k = 0;
    while (idx[axis] >= ts[k].shape[axis]) idx[axis] -= ts[k++].shape[axis];
    out.push(ts[k].data[ravel(idx, ts[k].shape)]);
  }
  return out;
}

const sliceCase = fc
  .tuple(shapeArb(4, 6, 1), fc.nat(), fc.nat(), fc.nat(), fc.integer({ min: 1, max: 3 }), fc.boolean())
  .map(([shape, a, s, e, step, negative]) => {
    const axis = a % shape.length;
    const n = shape[axis];
    const start = s % (n + 1);
    const end = start + (e % (n - start + 1));
    return { shape, axis, start: negative && start < n ? start - n : start, end: negative && end < n ? end - n : end, step, s0: start, e0: end };
  });

describe('slice and narrow', () => {
  test('forward matches a naive strided read (float32, float64; negative indices; steps)', () => {
    fc.assert(
      fc.property(sliceCase, dtypeArb, seedArb, ({ shape, axis, start, end, step, s0, e0 }, dtype, seed) => {
        const x = rnd(shape, dtype, seed);
        const y = slice(x, axis, start, end, step);
        expect(y.shape[axis]).toBe(Math.ceil((e0 - s0) / step));
        expect(Array.from(y.data)).toEqual(naiveSlice(x, axis, s0, e0, step));
        const nr = narrow(x, axis, s0, e0 - s0);
        expect(Array.from(nr.data)).toEqual(naiveSlice(x, axis, s0, e0, 1));
      }),
      { numRuns: 80, seed: 51 },
    );
  });

  test('float64 gradcheck', () => {
    fc.assert(
      fc.property(sliceCase, seedArb, ({ shape, axis, start, end, step }, seed) => {
        gradcheck((u) => slice(u, axis, start, end, step), [rnd(shape, 'float64', seed)], { name: 'slice' });
      }),
      { numRuns: 25, seed: 52 },
    );
  });

  test('end defaults to the axis size', () => {
    expect(slice(arange(10), 0, 7).tolist()).toEqual([7, 8, 9]);
    expect(slice(arange(10), 0, -3).tolist()).toEqual([7, 8, 9]);
    expect(slice(arange(10), 0, 1, undefined, 4).tolist()).toEqual([1, 5, 9]);
  });

  test('errors: out-of-range bounds, reversed ranges, bad steps, 0-d input', () => {
    const x = rnd([2, 3]);
    expect(() => slice(x, 1, 0, 4)).toThrow('slice: range [0, 4) is out of bounds for axis 1 of size 3; input [2, 3]');
    expect(() => slice(x, 1, -4)).toThrow('slice: range [-4, 3) is out of bounds for axis 1 of size 3; input [2, 3]');
    expect(() => slice(x, 1, 2, 1)).toThrow('slice: start 2 comes after end 1 on axis 1 of size 3; input [2, 3]');
    expect(() => slice(x, 1, 0, 3, 0)).toThrow('slice: step must be a positive integer, got 0');
    expect(() => slice(x, 1, 0.5)).toThrow('slice: start must be an integer, got 0.5');
    expect(() => slice(x, 2, 0)).toThrow('slice: axis 2 is out of range for a tensor of rank 2');
    expect(() => slice(tensor(1, []), 0, 0)).toThrow('slice: cannot slice a 0-d tensor; input []');
    expect(() => narrow(x, 0, 1, 2)).toThrow('narrow: start 1 + length 2 is out of bounds for axis 0 of size 2; input [2, 3]');
    expect(() => narrow(x, 0, 0, -1)).toThrow('narrow: start 0 + length -1 is out of bounds for axis 0 of size 2; input [2, 3]');
  });
});

const catCase = fc
  .tuple(shapeArb(4, 3, 1), fc.nat(), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 4 }))
  .map(([shape, a, sizes]) => {
    const axis = a % shape.length;
    return { axis, shapes: sizes.map((n) => shape.map((d, i) => (i === axis ? n : d))) };
  });

describe('cat and stack', () => {
  test('cat forward matches a naive loop (float32, float64, empty pieces, negative axis)', () => {
    fc.assert(
      fc.property(catCase, dtypeArb, seedArb, fc.boolean(), ({ axis, shapes }, dtype, seed, negative) => {
        const ts = shapes.map((s, i) => rnd(s, dtype, seed + i));
        const y = cat(ts, negative ? axis - shapes[0].length : axis);
        expect(y.dtype).toBe(dtype);
        expect(y.shape[axis]).toBe(shapes.reduce((s, sh) => s + sh[axis], 0));
        expect(Array.from(y.data)).toEqual(naiveCat(ts, axis));
      }),
      { numRuns: 60, seed: 53 },
    );
  });

  test('cat float64 gradcheck: each input gets its block of gy', () => {
    fc.assert(
      fc.property(catCase, seedArb, ({ axis, shapes }, seed) => {
        const ts = shapes.map((s, i) => rnd(s, 'float64', seed + i));
        gradcheck((...xs) => cat(xs, axis), ts, { name: 'cat' });
      }),
      { numRuns: 25, seed: 54 },
    );
  });

  test('cat matches the PyTorch fixture cat_dim1 (forward and gradients, float64)', () => {
    const g = loadGolden('ops/cat_dim1.safetensors');
    const a = g.get('a').requiresGrad_();
    const b = g.get('b').requiresGrad_();
    const y = cat([a, b], 1);
    expect(maxRelErr(y.data, g.get('y').data)).toBeLessThanOrEqual(1e-10);
    y.backward(g.get('gy'));
    expect(maxRelErr(a.grad!.data, g.get('ga').data)).toBeLessThanOrEqual(1e-10);
    expect(maxRelErr(b.grad!.data, g.get('gb').data)).toBeLessThanOrEqual(1e-10);
  });

  test('cat promotes dtypes; a non-differentiable input in the list is fine', () => {
    const a = rnd([1, 2], 'float32', 1);
    const b = rnd([1, 2], 'float64', 2).requiresGrad_();
    const y = cat([a, b], 0);
    expect(y.dtype).toBe('float64');
    mul(y, y).sum().backward();
    expectClose(b.grad!.data, Array.from(b.data, (v) => 2 * v), 1e-15);
  });

  test('stack adds a new axis (naive: stack = cat of unsqueezed) and has a gradient', () => {
    fc.assert(
      fc.property(shapeArb(3, 3), fc.integer({ min: 1, max: 3 }), fc.nat(), seedArb, (shape, n, a, seed) => {
        const axis = a % (shape.length + 1);
        const ts = Array.from({ length: n }, (_, i) => rnd(shape, 'float64', seed + i));
        const y = stack(ts, axis);
        const want = [...shape.slice(0, axis), n, ...shape.slice(axis)];
        expect(y.shape).toEqual(want);
        for (let i = 0; i < y.size; i++) {
          const idx = unravel(i, want);
          const k = idx.splice(axis, 1)[0];
          if (y.data[i] !== ts[k].data[ravel(idx, shape)]) expect.fail(`stack at ${i}`);
        }
        gradcheck((...xs) => stack(xs, axis), ts, { name: 'stack', fast: true });
      }),
      { numRuns: 25, seed: 55 },
    );
  });

  test('errors name the op, the rule and the shapes involved', () => {
    expect(() => cat([rnd([1, 2, 3]), rnd([2, 2, 3])], 1)).toThrow('cat: tensors must match except in axis 1; tensor 0 [1, 2, 3], tensor 1 [2, 2, 3]');
    expect(() => cat([rnd([2, 3]), rnd([2, 3]), rnd([3])])).toThrow('cat: tensors must have the same number of dims; tensor 0 [2, 3], tensor 2 [3]');
    expect(() => cat([rnd([2]), tensor(1, [])])).toThrow('cat: zero-dimensional tensor 1 cannot be concatenated; tensor 1 []');
    expect(() => cat([])).toThrow('cat: expects a non-empty list of tensors');
    expect(() => cat([rnd([2])], 1)).toThrow('cat: axis 1 is out of range for a tensor of rank 1');
    expect(() => stack([rnd([2, 3]), rnd([3, 2])])).toThrow('stack: all tensors must have the same shape; tensor 0 [2, 3], tensor 1 [3, 2]');
    expect(() => stack([rnd([2])], 2)).toThrow('stack: axis 2 is out of range for a tensor of rank 2');
  });
});
