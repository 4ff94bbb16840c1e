import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import {
  reshape, view, flatten, squeeze, unsqueeze, permute, transpose, expand, clone, detach, cast, mul, sum, gradcheck, tensor, arange,
} from '../../src/index.js';
import { at, dtypeArb, ravel, seedArb, shapeArb, size, unravel } from './core-util.js';
import { expectClose } from '../helpers/close.js';
import { getBackend, getHeap, setBackend } from '../../src/backend/index.js';
import { tidy } from '../../src/autograd/tidy.js';
import { rnd } from '../helpers/random.js';

/** A random permutation of 0..n-1 from a list of sort keys. */
const permOf = (keys: number[], n: number): number[] =>
  Array.from({ length: n }, (_, i) => i).sort((p, q) => (keys[p] ?? 0) - (keys[q] ?? 0) || p - q);

describe('reshape, view, flatten, squeeze, unsqueeze', () => {
  test('reshape keeps the row-major order and shares the data (no copy); -1 is inferred', () => {
    fc.assert(
      fc.property(shapeArb(4, 4), dtypeArb, seedArb, fc.nat(10), (shape, dtype, seed, k) => {
        const x = rnd(shape, dtype, seed);
        const target = [x.size];
        const y = reshape(x, target);
        expect(y.shape).toEqual(target);
        expect(y.data).toBe(x.data);
        if (shape.length > 0) {
          const hole = k % shape.length;
          const withHole = shape.map((d, i) => (i === hole ? -1 : d));
          expect(view(y, withHole).shape).toEqual(shape);
        }
      }),
      { numRuns: 40, seed: 41 },
    );
  });

  test('reshape family gradients (float64 gradcheck)', () => {
    fc.assert(
      fc.property(shapeArb(4, 3, 1), seedArb, (shape, seed) => {
        const x = rnd(shape, 'float64', seed);
        gradcheck((u) => reshape(u, [-1]), [x], { name: 'reshape' });
        gradcheck((u) => flatten(u, 0, -1), [x], { name: 'flatten' });
        gradcheck((u) => unsqueeze(squeeze(u), 0), [x], { name: 'squeeze' });
      }),
      { numRuns: 20, seed: 42 },
    );
  });

  test('flatten, squeeze and unsqueeze give PyTorch shapes', () => {
    const x = rnd([2, 1, 3, 1, 4]);
    expect(flatten(x).shape).toEqual([24]);
    expect(flatten(x, 1).shape).toEqual([2, 12]);
    expect(flatten(x, 1, 3).shape).toEqual([2, 3, 4]);
    expect(flatten(x, -2, -1).shape).toEqual([2, 1, 3, 4]);
    expect(flatten(tensor(3, [])).shape).toEqual([1]);
    expect(squeeze(x).shape).toEqual([2, 3, 4]);
    expect(squeeze(x, 1).shape).toEqual([2, 3, 1, 4]);
    expect(squeeze(x, [1, -2]).shape).toEqual([2, 3, 4]);
    expect(squeeze(x, 0).shape).toEqual([2, 1, 3, 1, 4]); // not size 1: kept, as PyTorch
    expect(unsqueeze(x, 0).shape).toEqual([1, 2, 1, 3, 1, 4]);
    expect(unsqueeze(x, -1).shape).toEqual([2, 1, 3, 1, 4, 1]);
    expect(unsqueeze(tensor(3, []), 0).shape).toEqual([1]);
  });

  test('reshape errors say what could not be reshaped', () => {
    const x = rnd([2, 3]);
    expect(() => reshape(x, [4, 2])).toThrow('reshape: cannot reshape [2, 3] (6 elements) to [4, 2] (8 elements)');
    expect(() => view(x, [4, -1])).toThrow('view: cannot reshape [2, 3] (6 elements) to [4, -1]');
    expect(() => reshape(x, [-1, -1])).toThrow('reshape: only one dimension can be -1, got [-1, -1]; input [2, 3]');
    expect(() => reshape(x, [2, 1.5, 2])).toThrow('reshape: shape [2, 1.5, 2] must hold non-negative integers (or one -1); input [2, 3]');
    expect(() => flatten(rnd([2, 3, 4]), 2, 1)).toThrow('flatten: start axis 2 must not come after end axis 1; input [2, 3, 4]');
    expect(() => unsqueeze(x, 3)).toThrow('unsqueeze: axis 3 is out of range for a tensor of rank 3');
  });
});

describe('permute and transpose', () => {
  test('forward matches naive index permutation (float32, float64, int32)', () => {
    fc.assert(
      fc.property(shapeArb(5, 4), fc.array(fc.nat(100), { minLength: 5, maxLength: 5 }), fc.constantFrom('float32', 'float64', 'int32' as const), seedArb, (shape, keys, dtype, seed) => {
        const x = dtype === 'int32' ? cast(rnd(shape, 'float64', seed).mul(10), 'int32') : rnd(shape, dtype, seed);
        const perm = permOf(keys, shape.length);
        const y = permute(x, perm);
        expect(y.shape).toEqual(perm.map((d) => shape[d]));
        for (let i = 0; i < y.size; i++) {
          const yi = unravel(i, y.shape);
          const xi = new Array<number>(shape.length);
          perm.forEach((d, k) => (xi[d] = yi[k]));
          if (y.data[i] !== x.data[ravel(xi, shape)]) expect.fail(`permute ${perm} at ${yi}`);
        }
      }),
      { numRuns: 60, seed: 43 },
    );
  });

  test('float64 gradcheck', () => {
    fc.assert(
      fc.property(shapeArb(4, 3), fc.array(fc.nat(100), { minLength: 4, maxLength: 4 }), seedArb, (shape, keys, seed) => {
        gradcheck((u) => permute(u, permOf(keys, shape.length)), [rnd(shape, 'float64', seed)], { name: 'permute' });
      }),
      { numRuns: 25, seed: 44 },
    );
  });

  test('transpose swaps two axes (negative axes allowed)', () => {
    const x = arange(24).reshape([2, 3, 4]);
    expect(transpose(x, 0, -1).shape).toEqual([4, 3, 2]);
    expect(transpose(x, 1, 2).tolist()).toEqual(permute(x, [0, 2, 1]).tolist());
    expect(transpose(arange(6).reshape([2, 3]), 0, 1).tolist()).toEqual([[0, 3], [1, 4], [2, 5]]);
  });

  test('errors name the dims and the input', () => {
    const x = rnd([2, 3, 4]);
    expect(() => permute(x, [0, 0, 1])).toThrow('permute: dims [0, 0, 1] are not a permutation of the 3 axes; input [2, 3, 4]');
    expect(() => permute(x, [0, 1])).toThrow('permute: dims [0, 1] are not a permutation of the 3 axes; input [2, 3, 4]');
    expect(() => permute(x, [0, 1, 3])).toThrow('permute: dims [0, 1, 3] are not a permutation of the 3 axes; input [2, 3, 4]');
    expect(() => transpose(x, 0, 3)).toThrow('transpose: axis 3 is out of range for a tensor of rank 3');
  });
});

describe('expand', () => {
  const pair = fc.tuple(shapeArb(4, 4), fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }), fc.nat(4)).map(([target, ones, drop]) => ({
    target,
    shape: target.map((d, i) => (ones[i] ? 1 : d)).slice(Math.min(drop, target.length)),
  }));

  test('forward matches a naive broadcast read (float32, float64)', () => {
    fc.assert(
      fc.property(pair, dtypeArb, seedArb, ({ target, shape }, dtype, seed) => {
        const x = rnd(shape, dtype, seed);
        const y = expand(x, target);
        expect(y.shape).toEqual(target);
        for (let i = 0; i < y.size; i++) if (y.data[i] !== at(x, unravel(i, target))) expect.fail(`expand at ${i}`);
      }),
      { numRuns: 60, seed: 45 },
    );
  });

  test('float64 gradcheck (gradient sums over the expanded dims)', () => {
    fc.assert(
      fc.property(pair, seedArb, ({ target, shape }, seed) => {
        gradcheck((u) => expand(u, target), [rnd(shape, 'float64', seed)], { name: 'expand' });
      }),
      { numRuns: 25, seed: 46 },
    );
  });

  test('-1 keeps a dim; errors name the input and target', () => {
    expect(expand(rnd([3, 1]), [2, -1, 4]).shape).toEqual([2, 3, 4]);
    expect(() => expand(rnd([2, 3]), [4, 3])).toThrow('expand: size 2 of input dim 0 must equal 4 or be 1; input [2, 3], shape [4, 3]');
    expect(() => expand(rnd([2, 3]), [3])).toThrow('expand: the target has fewer dims (1) than the input (2); input [2, 3], shape [3]');
    expect(() => expand(rnd([3]), [-1, 3])).toThrow('expand: size -1 at dim 0 is invalid (-1 only keeps an existing dim); input [3], shape [-1, 3]');
  });
});

describe('clone, detach, cast', () => {
  test('clone copies the data and passes the gradient through', () => {
    const x = rnd([2, 3], 'float32', 1);
    const y = clone(x);
    expect(y.data).not.toBe(x.data);
    expect(Array.from(y.data)).toEqual(Array.from(x.data));
    gradcheck((u) => mul(clone(u), u), [rnd([2, 3], 'float64', 2)], { name: 'clone' });
  });

  test('a clone made in a scope on the wasm backend is a view of the shared heap, as other ops\' outputs (not a plain copy)', () => {
    const before = getBackend();
    setBackend('wasm');
    try {
      tidy(() => {
        const x = mul(rnd([64, 512], 'float32', 4), 1); // 32768 elements: a heap view in a scope
        const y = clone(x);
        expect(getHeap().contains(x.data)).toBe(true);
        expect(getHeap().contains(y.data)).toBe(true);
        expect(y.data).not.toBe(x.data);
        expect(Array.from(y.data)).toEqual(Array.from(x.data));
      });
    } finally {
      setBackend(before);
    }
  });

  test('detach shares the data and cuts the graph', () => {
    const x = rnd([3], 'float64', 3).requiresGrad_();
    const d = detach(mul(x, 2));
    expect(d.requiresGrad).toBe(false);
    expect(d.gradFn).toBeNull();
    const y = sum(mul(detach(x), x));
    y.backward();
    expectClose(x.grad!.data, x.data, 0); // d/dx (c·x) with c = x held constant
  });

  test('cast converts values (float to int32 truncates toward zero) and casts the gradient back', () => {
    const x = tensor([1.7, -1.7, 2.5], [3], { dtype: 'float64' });
    expect(Array.from(cast(x, 'int32').data)).toEqual([1, -1, 2]);
    expect(cast(x, 'float32').data[0]).toBe(Math.fround(1.7));
    expect(cast(x, 'float64')).toBe(x);
    const leaf = rnd([4], 'float32', 5).requiresGrad_();
    const y = cast(leaf, 'float64');
    expect(y.dtype).toBe('float64');
    sum(mul(y, y)).backward();
    expect(leaf.grad!.dtype).toBe('float32');
    expectClose(leaf.grad!.data, Array.from(leaf.data, (v) => 2 * v), 1e-7);
    expect(cast(leaf, 'int32').requiresGrad).toBe(false);
    // through float32 and back: linear, so central differences only see float32 rounding (~6e-8 / eps)
    gradcheck((u) => mul(cast(cast(u, 'float32'), 'float64'), u), [rnd([5], 'float64', 6)], { name: 'cast', eps: 1e-3 });
  });

  test('cast rejects an unknown dtype', () => {
    expect(() => cast(rnd([1]), 'int64' as never)).toThrow("cast: unknown dtype 'int64' (expected float32, float64, int32)");
  });

  test('sizes of random reshapes agree with the element count', () => {
    fc.assert(
      fc.property(shapeArb(4, 4), (shape) => {
        expect(reshape(rnd(shape), [...shape].reverse()).size).toBe(size(shape));
      }),
      { numRuns: 10, seed: 47 },
    );
  });
});
