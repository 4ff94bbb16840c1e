import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { tensor, randn, add, mul, div, sub, sum, exp, log, gradcheck, noGrad, Generator, Tensor } from '../../src/index.js';

describe('autograd engine', () => {
  test('gradient of a scalar expression accumulates for a leaf used twice', () => {
    const x = tensor([2], [1], { dtype: 'float64', requiresGrad: true });
    const y = sum(add(mul(x, x), mul(x, 3))); // y = x^2 + 3x, dy/dx = 2x + 3 = 7
    y.backward();
    expect(x.grad!.data[0]).toBe(7);
  });

  test('backward twice without retainGraph names the freed op', () => {
    const x = tensor([1, 2], [2], { requiresGrad: true });
    const y = sum(exp(x));
    y.backward();
    expect(() => y.backward()).toThrow(/backward: the graph through 'sum' was already freed/);
  });

  test('non-scalar backward without a gradient is a clear error', () => {
    const x = tensor([1, 2], [2], { requiresGrad: true });
    expect(() => mul(x, 2).backward()).toThrow('backward: grad can be implicitly created only for one-element outputs; pass a gradient; output [2]');
  });

  test('noGrad records nothing', () => {
    const x = tensor([1, 2], [2], { requiresGrad: true });
    const y = noGrad(() => mul(x, 2));
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
  });

  test('a 20,000-op chain backpropagates without recursion', () => {
    const x = tensor([1], [1], { dtype: 'float64', requiresGrad: true });
    let y: Tensor = x;
    for (let i = 0; i < 20000; i++) y = add(y, 1e-3);
    sum(y).backward();
    expect(x.grad!.data[0]).toBe(1);
  });

  test('broadcast arithmetic passes gradcheck over random shapes', () => {
    const dims = fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 0, maxLength: 3 });
    fc.assert(
      fc.property(dims, fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), fc.nat(1000), (shape, ones, seed) => {
        const bShape = shape.map((d, i) => (ones[i] ? 1 : d)).slice(shape.length > 1 ? 1 : 0);
        const g = new Generator(seed);
        const a = randn(shape, { dtype: 'float64', generator: g });
        const b = randn(bShape, { dtype: 'float64', generator: g });
        const pos = exp(randn(bShape, { dtype: 'float64', generator: g }));
        gradcheck((u, w) => mul(sub(u, w), add(u, w)), [a, b], { name: 'mul/sub/add' });
        gradcheck((u, w) => div(u, w), [a, pos]);
        gradcheck((u) => log(exp(u)), [a]);
      }),
      { numRuns: 40, seed: 1 },
    );
  });

  test('gradcheck reports a wrong derivative with the input, index and both values', () => {
    const x = tensor([0.5, 1.5], [2], { dtype: 'float64' });
    // a deliberately wrong op: forward x^2, backward claims 3x
    const bad = (u: Tensor): Tensor => {
      const y = mul(u, u);
      if (y.gradFn) y.gradFn.backward = (gy) => [mul(gy, mul(u, 3))];
      return y;
    };
    expect(() => gradcheck(bad, [x])).toThrow(/^gradcheck mul: input 0 at \[0\]: numerical .*, analytical /);
  });
});

test('a gradient passed through to two inputs is not corrupted by a later in-place accumulation', () => {
  const a = tensor([1], [1], { dtype: 'float64', requiresGrad: true });
  const b = tensor([1], [1], { dtype: 'float64', requiresGrad: true });
  const n = add(a, b);
  sum(add(add(add(b, a), n), n)).backward(); // = 3a + 3b
  expect(a.grad!.data[0]).toBe(3);
  expect(b.grad!.data[0]).toBe(3);
});
