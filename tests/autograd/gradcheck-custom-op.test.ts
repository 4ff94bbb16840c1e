/** customOp: forward/backward, the needs mask, typed arguments, and the errors a wrong backward gets. */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import {
  customOp, record, gradcheck, noGrad, tensor, randn, mul, add, sum, square, exp, reshape, Generator, Tensor,
} from '../../src/index.js';

const f64 = (shape: number[], seed: number, requiresGrad = false): Tensor => {
  const t = randn(shape, { dtype: 'float64', generator: new Generator(seed) });
  return requiresGrad ? t.requiresGrad_() : t;
};

/** x³ with a hand-written backward: d/dx x³ = 3x². */
const cube = customOp('cube', {
  inputNames: ['x'],
  forward(ctx, x: Tensor) {
    ctx.save(x);
    return mul(mul(x, x), x);
  },
  backward(ctx, gy) {
    const [x] = ctx.saved;
    return [mul(gy, mul(square(x), 3))];
  },
});

/** a·exp(b)·k for a tensor a, b and a number k: gradients for the two tensors, null for k. */
const scaledExp = customOp('scaledExp', {
  inputNames: ['a', 'b', 'k'],
  forward(_ctx, a: Tensor, b: Tensor, k: number) {
    return mul(mul(a, exp(b)), k);
  },
  backward(ctx, gy) {
    const [, b, k] = ctx.args;
    // y = a·e^b·k: dy/da = e^b·k, dy/db = y
    return [ctx.needs[0] ? mul(gy, mul(exp(b), k)) : null, ctx.needs[1] ? mul(gy, ctx.output) : null, null];
  },
});

describe('customOp', () => {
  test('forward and backward of a custom op pass gradcheck over random shapes', () => {
    const shape = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 3 });
    fc.assert(
      fc.property(shape, fc.nat(1000), (s, seed) => {
        gradcheck((x) => cube(x), [f64(s, seed)]);
        gradcheck((a, b) => scaledExp(a, b, 1.5), [f64(s, seed + 1), f64(s, seed + 2)], { names: ['a', 'b'] });
        gradcheck((a, b) => scaledExp(a, b, -2), [f64(s, seed + 1), f64(s, seed + 2)], { fast: true });
      }),
      { numRuns: 30, seed: 3 },
    );
  });

  test('the op is one graph node named after it; its inner ops are not recorded', () => {
    const x = f64([2, 3], 1, true);
    const y = cube(x);
    expect(y.gradFn!.name).toBe('cube');
    expect(y.gradFn!.inputs).toEqual([x]);
    expect(y.requiresGrad).toBe(true);
    sum(y).backward();
    const want = Array.from(x.data, (v) => 3 * v * v);
    Array.from(x.grad!.data).forEach((g, i) => expect(g).toBeCloseTo(want[i], 12));
  });

  test('forward and backward get the needs mask the built-in ops get (non-tensor arguments: false)', () => {
    const seen: string[] = [];
    const probe = customOp('probe', {
      forward(ctx, a: Tensor, b: Tensor, k: number) {
        seen.push(`forward ${ctx.needs.join(',')}`);
        return mul(add(a, b), k);
      },
      backward(ctx, gy) {
        seen.push(`backward ${ctx.needs.join(',')}`);
        return [ctx.needs[0] ? mul(gy, 2) : null, ctx.needs[1] ? mul(gy, 2) : null, null];
      },
    });
    const a = f64([3], 1, true);
    const b = f64([3], 2);
    sum(probe(a, b, 2)).backward();
    expect(seen).toEqual(['forward true,false,false', 'backward true,false,false']);
    expect(b.grad).toBeNull();
    seen.length = 0;
    noGrad(() => probe(a, b, 2));
    expect(seen).toEqual(['forward false,false,false']);
  });

  test('without an input that requires grad, or inside noGrad, nothing is recorded', () => {
    expect(cube(f64([2], 1)).gradFn).toBeNull();
    expect(noGrad(() => cube(f64([2], 1, true))).requiresGrad).toBe(false);
  });

  test('forward returning its input gives the node a copy (the leaf is not turned into a node)', () => {
    const id = customOp('id', { forward: (_ctx, x: Tensor) => x, backward: (_ctx, gy) => [gy] });
    const x = f64([2], 1, true);
    const y = id(x);
    expect(y).not.toBe(x);
    expect(x.isLeaf).toBe(true);
    expect(Array.from(y.data)).toEqual(Array.from(x.data));
  });

  test('a backward returning the wrong number of gradients is an error naming the op', () => {
    const bad = customOp('twoInOne', {
      forward: (_ctx, a: Tensor, b: Tensor) => add(a, b),
      backward: (_ctx, gy) => [gy] as unknown as [Tensor, Tensor],
    });
    const y = bad(f64([2], 1, true), f64([2], 2, true));
    expect(() => sum(y).backward()).toThrow('twoInOne: backward must return one gradient (or null) per argument: 2 expected, got an array of 1');
  });

  test('a backward returning the wrong shape is an error naming the op, the input and both shapes', () => {
    const bad = customOp('flat', {
      inputNames: ['image'],
      forward: (_ctx, x: Tensor) => mul(x, 2),
      backward: (_ctx, gy) => [reshape(gy, [gy.size])],
    });
    const y = bad(f64([2, 3], 1, true));
    expect(() => sum(y).backward()).toThrow("flat: backward's gradient for input 0 (image) must have the input's shape; gradient [6], input [2, 3]");
    // gradcheck surfaces the same message
    expect(() => gradcheck((x) => bad(x), [f64([2, 3], 1)])).toThrow(/^flat: backward's gradient for input 0 \(image\) must have the input's shape; gradient \[6\], input \[2, 3\]$/);
  });

  test('a wrong dtype, a gradient for a number argument, or a non-tensor forward result are errors naming the op', () => {
    const f32grad = customOp('f32grad', {
      forward: (_ctx, x: Tensor) => mul(x, 2),
      backward: (_ctx, gy) => [new Tensor(Float32Array.from(gy.data), gy.shape)],
    });
    expect(() => sum(f32grad(f64([2], 1, true))).backward()).toThrow("f32grad: backward's gradient for input 0 is float32, the input is float64; gradient [2], input [2]");
    const numGrad = customOp('numGrad', {
      forward: (_ctx, x: Tensor, k: number) => mul(x, k),
      backward: (_ctx, gy) => [gy, gy] as unknown as [Tensor, null],
    });
    expect(() => sum(numGrad(f64([2], 1, true), 3)).backward()).toThrow('numGrad: backward returned a gradient for argument 1, which is not a tensor (return null there)');
    const notTensor = customOp('notTensor', { forward: () => 3 as unknown as Tensor, backward: () => [] });
    expect(() => notTensor()).toThrow('notTensor: forward must return a Tensor, got number');
    expect(() => customOp('', { forward: () => tensor([1]), backward: () => [] })).toThrow('customOp: name must be a non-empty string');
  });

  test('record, the primitive customOp builds on, is exported', () => {
    const x = f64([3], 1, true);
    const twice = (t: Tensor): Tensor => record('twice', [t], mul(noGrad(() => t), 2), (gy) => [mul(gy, 2)]);
    const y = twice(x);
    expect(y.gradFn!.name).toBe('twice');
    gradcheck(twice, [f64([3], 2)]);
  });

  test('types: arguments and gradients are checked by tsc', () => {
    const k = customOp('k', {
      forward: (_ctx, x: Tensor, factor: number) => mul(x, factor),
      backward: (ctx, gy) => [mul(gy, ctx.args[1]), null],
    });
    // @ts-expect-error the second argument is a number
    const wrongCall = (): Tensor => k(f64([1], 1), 'two');
    expect(typeof wrongCall).toBe('function'); // never called: the check is tsc's
    customOp('k2', {
      forward: (_ctx, x: Tensor, factor: number) => mul(x, factor),
      // @ts-expect-error a number argument has no gradient: its slot must be null
      backward: (_ctx, gy) => [gy, gy],
    });
  });
});
