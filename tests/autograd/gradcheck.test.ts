/**
 * gradcheck's own negative tests: every mode and path must catch a wrong backward (fast and full mode, each input
 * of a multi-input function, a permuted, averaged or rescaled cotangent, non-contiguous and broadcast inputs, a frozen input,
 * a wrong shape, a backward right to 1e-4 only), and the culprit search must name the right op.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import {
  customOp, gradcheck, GradcheckError, noGrad, randn, add, mul, sum, mean, exp, relu, conv2d, detach, transpose, slice, expand,
  Generator, Tensor, Module, Sequential, Conv2d, BatchNorm2d, ReLU,
} from '../../src/index.js';

import { f64, failure } from '../helpers/gradcheck.js';

/** y = a·b + c, with the gradient of input `bad` scaled by 1.5 (bad = -1: correct). */
const fma = (bad: number) =>
  customOp(`fma${bad}`, {
    inputNames: ['a', 'b', 'c'],
    forward: (_ctx, a: Tensor, b: Tensor, c: Tensor) => add(mul(a, b), c),
    backward(ctx, gy) {
      const [a, b] = ctx.args;
      const g = [mul(gy, b), mul(gy, a), gy];
      if (bad >= 0) g[bad] = mul(g[bad], 1.5);
      return [g[0], g[1], g[2]];
    },
  });

/** y = 2x whose backward is a permutation (reversal) of the right gradient: right for any all-equal cotangent. */
const reversedTwice = customOp('reversedTwice', {
  forward: (_ctx, x: Tensor) => mul(x, 2),
  backward: (_ctx, gy) => [mul(new Tensor(Float64Array.from(gy.data).reverse(), gy.shape), 2)],
});

/** y = 2x whose backward averages the cotangent: right for any all-equal cotangent. */
const averagedTwice = customOp('averagedTwice', {
  forward: (_ctx, x: Tensor) => mul(x, 2),
  backward: (_ctx, gy) => [mul(expand(mean(gy, undefined, { keepdim: true }), gy.shape), 2)],
});

/** y = 2x whose backward rescales the cotangent to max |gy| = 1: right for an all-ones cotangent, wrong for any other scale. */
const normalisedTwice = customOp('normalisedTwice', {
  forward: (_ctx, x: Tensor) => mul(x, 2),
  backward: (_ctx, gy) => [mul(gy, 2 / Math.max(...Array.from(gy.data, Math.abs)))],
});

/** y = 3x whose backward is off by a relative `err`. */
const nearlyThrice = (err: number) =>
  customOp('nearlyThrice', { forward: (_ctx, x: Tensor) => mul(x, 3), backward: (_ctx, gy) => [mul(gy, 3 * (1 + err))] });

describe('gradcheck catches a wrong backward in every mode', () => {
  for (const fast of [false, true]) {
    for (const bad of [0, 1, 2]) {
      test(`${fast ? 'fast' : 'full'} mode: a bug only in input ${bad} of three is caught and blamed on that input`, () => {
        const inputs = [f64([2, 3], 1), f64([2, 3], 2), f64([2, 3], 3)];
        gradcheck((a, b, c) => fma(-1)(a, b, c), inputs, { fast }); // the correct op passes
        const e = failure((a, b, c) => fma(bad)(a, b, c), inputs, { fast, names: ['a', 'b', 'c'] });
        expect(e.input).toBe(`input ${bad} (${'abc'[bad]})`);
        expect(e.culprit).toMatchObject({ kind: 'backward', op: `fma${bad}`, input: bad, inputName: 'abc'[bad] });
        expect(e.message).toMatch(fast ? /along a random direction/ : /at \[\d, \d\]/);
      });
    }
  }

  test('fast mode compares the analytical vᵀJu with the numerical one (wrong gradients of one input, random shapes)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }), fc.nat(1000), (shape, seed) => {
        const e = failure((x) => nearlyThrice(0.5)(x), [f64(shape, seed)], { fast: true, seed });
        expect(Math.abs(e.analytical / e.numerical - 1.5)).toBeLessThan(1e-6);
      }),
      { numRuns: 25, seed: 7 },
    );
  });

  for (const fast of [false, true]) {
    test(`${fast ? 'fast' : 'full'} mode: a backward that permutes, averages or rescales the cotangent fails (the cotangent is random, not all ones)`, () => {
      const x = f64([2, 3], 4);
      expect(failure((t) => normalisedTwice(t), [x], { fast }).culprit).toMatchObject({ op: 'normalisedTwice', input: 0 });
      expect(failure((t) => reversedTwice(t), [x], { fast }).culprit).toMatchObject({ op: 'reversedTwice', input: 0 });
      expect(failure((t) => averagedTwice(t), [x], { fast }).culprit).toMatchObject({ op: 'averagedTwice', input: 0 });
    });
  }

  test('a backward right only to 1e-4 relative passes PyTorch’s tolerances (rtol 1e-3) and fails tighter ones', () => {
    const x = f64([3, 4], 5);
    gradcheck((t) => nearlyThrice(1e-4)(t), [x]);
    gradcheck((t) => nearlyThrice(1e-4)(t), [x], { fast: true });
    const e = failure((t) => nearlyThrice(1e-4)(t), [x], { rtol: 1e-5, atol: 1e-9 });
    expect(e.tolerances).toEqual({ eps: 1e-6, atol: 1e-9, rtol: 1e-5 });
    expect(e.message).toMatch(/\(eps 1e-6, atol 1e-9, rtol 1e-5\)/);
    expect(e.culprit).toMatchObject({ op: 'nearlyThrice', index: [0, 0] });
    expect(failure((t) => nearlyThrice(1e-4)(t), [x], { rtol: 1e-5, atol: 1e-9, fast: true }).culprit).toMatchObject({ op: 'nearlyThrice' });
    // and 3e-3 relative fails the defaults
    expect(failure((t) => nearlyThrice(3e-3)(t), [x]).message).toMatch(/\(eps 1e-6, atol 1e-5, rtol 0\.001\)/);
  });

  test('non-contiguous inputs (through transpose and a strided slice): the wrong op is named, not the layout ops', () => {
    const x = f64([4, 3], 6);
    const fn = (t: Tensor): Tensor => nearlyThrice(0.5)(slice(transpose(t, 0, 1), 1, 0, 4, 2));
    gradcheck((t) => nearlyThrice(0)(slice(transpose(t, 0, 1), 1, 0, 4, 2)), [x]);
    for (const fast of [false, true]) {
      const e = failure(fn, [x], { fast });
      expect(e.culprit).toMatchObject({ op: 'nearlyThrice', node: 2, nodes: 3, input: 0 });
      if (!fast) expect(e.index).toEqual([0, 0]);
    }
  });

  test('broadcast inputs: a gradient that takes one row instead of summing over the broadcast rows fails', () => {
    // y = a ⊙ b with b [1, 3] broadcast over a [4, 3]; db must be Σ_rows gy ⊙ a, the bug keeps row 0 only
    const rowMul = (rows: 'sum' | 'first') =>
      customOp(`rowMul_${rows}`, {
        inputNames: ['a', 'b'],
        forward: (_ctx, a: Tensor, b: Tensor) => mul(a, b),
        backward(ctx, gy) {
          const [a, b] = ctx.args;
          const full = mul(gy, a);
          const gb = rows === 'sum' ? sum(full, 0, { keepdim: true }) : slice(full, 0, 0, 1);
          return [mul(gy, expand(b, a.shape)), gb];
        },
      });
    const inputs = [f64([4, 3], 7), f64([1, 3], 8)];
    gradcheck((a, b) => rowMul('sum')(a, b), inputs);
    for (const fast of [false, true]) {
      const e = failure((a, b) => rowMul('first')(a, b), inputs, { fast });
      expect(e.input).toBe('input 1');
      expect(e.culprit).toMatchObject({ op: 'rowMul_first', input: 1, inputName: 'b' });
    }
    // and through expand: the broadcast made explicit by an op before the wrong one
    const e = failure((b) => nearlyThrice(0.5)(expand(b, [4, 3])), [f64([1, 3], 9)]);
    expect(e.culprit).toMatchObject({ op: 'nearlyThrice', node: 1 });
  });

  test('a frozen input: a weight gradient wrong only when the other input does not require grad is caught', () => {
    // y = x ⊙ w; the bug: when x needs no gradient, dw is scaled by 1.5 (a shortcut taken only for frozen inputs)
    const frozenBug = customOp('frozenBug', {
      inputNames: ['x', 'w'],
      forward: (_ctx, x: Tensor, w: Tensor) => mul(x, w),
      backward(ctx, gy) {
        const [x, w] = ctx.args;
        return [ctx.needs[0] ? mul(gy, w) : null, ctx.needs[1] ? mul(mul(gy, x), ctx.needs[0] ? 1 : 1.5) : null];
      },
    });
    const inputs = [f64([2, 3], 10), f64([2, 3], 11)];
    gradcheck((x, w) => frozenBug(x, w), inputs); // both require grad: the right path
    for (const fast of [false, true]) {
      const e = failure((x, w) => frozenBug(x, w), inputs, { wrt: [1], fast });
      expect(e.culprit).toMatchObject({ op: 'frozenBug', input: 1, inputName: 'w' });
    }
  });

  test('a backward returning the wrong shape is an error naming the op, the input and both shapes', () => {
    const wrongShape = customOp('wrongShape', {
      forward: (_ctx, x: Tensor) => mul(x, 2),
      backward: (_ctx, gy) => [sum(gy, 0)],
    });
    expect(() => gradcheck((x) => wrongShape(x), [f64([2, 3], 12)])).toThrow(
      "wrongShape: backward's gradient for input 0 must have the input's shape; gradient [3], input [2, 3]",
    );
  });
});

describe('the culprit search names the op whose own backward is wrong', () => {
  test('x ⊙ detach(x) does not blame mul: the report names the untracked input', () => {
    const e = failure((x) => mul(x, detach(x)), [f64([3], 13)], { names: ['x'] });
    expect(e.culprit).toEqual({ kind: 'untracked', op: 'mul', node: 0, nodes: 1, input: 1, source: 'input 0 (x)' });
    expect(e.message).toMatch(/culprit: input 1 of 'mul' \(node 0 of 1\) changes with input 0 \(x\) through a path the graph does not record/);
  });

  test('a value computed under noGrad in an earlier step is found as an untracked path', () => {
    const fn = (x: Tensor): Tensor => {
      const a = mul(x, 2);
      const c = noGrad(() => exp(x));
      return add(a, c);
    };
    expect(failure(fn, [f64([3], 14)]).culprit).toMatchObject({ kind: 'untracked', op: 'add', node: 1, input: 1, source: 'input 0' });
  });

  test('a wrong custom op inside a small conv stack is named with its input and index', () => {
    const leaky = customOp('leakyScale', {
      inputNames: ['features'],
      forward: (_ctx, x: Tensor) => mul(x, 0.5),
      backward: (_ctx, gy) => [mul(gy, 0.25)], // should be 0.5
    });
    const net = (x: Tensor, w1: Tensor, w2: Tensor): Tensor => conv2d(relu(leaky(conv2d(x, w1, null, { padding: 1 }))), w2);
    const inputs = [f64([1, 2, 5, 5], 15), f64([3, 2, 3, 3], 16), f64([2, 3, 3, 3], 17)];
    for (const fast of [false, true]) {
      const e = failure(net, inputs, { fast, names: ['x', 'w1', 'w2'] });
      expect(e.culprit).toMatchObject({ kind: 'backward', op: 'leakyScale', node: 1, nodes: 4, input: 0, inputName: 'features', index: [0, 0, 0, 0] });
      expect(e.culprit!.analytical! / e.culprit!.numerical!).toBeCloseTo(0.5, 6);
      expect(e.message).toMatch(/culprit: 'leakyScale' \(node 1 of 4\) is wrong for input 0 \(features\) at \[0, 0, 0, 0\]/);
    }
  });

  test('inside nn modules (BatchNorm in training mode, parameters captured, not passed as inputs) the wrong op is named', () => {
    const halfWrong = customOp('halfWrong', { forward: (_c, x: Tensor) => mul(x, 0.5), backward: (_c, gy) => [mul(gy, 0.3)] });
    class Half extends Module {
      forward(x: Tensor): Tensor {
        return halfWrong(x);
      }
    }
    const model = new Sequential(new Conv2d(2, 3, 3, { padding: 1 }), new BatchNorm2d(3), new ReLU(), new Half(), new Conv2d(3, 2, 3)).to('float64');
    const e = failure((t) => model.forward(t), [f64([2, 2, 5, 5], 20)], { fast: true });
    expect(e.culprit).toMatchObject({ kind: 'backward', op: 'halfWrong', node: 3, nodes: 5, input: 0 });
  });

  test('of two wrong ops the first recorded is named; a correct function passes', () => {
    const x = f64([2, 2], 18);
    const e = failure((t) => nearlyThrice(0.5)(exp(nearlyThrice(0.2)(t))), [x]);
    expect(e.culprit).toMatchObject({ op: 'nearlyThrice', node: 0 });
    expect(gradcheck((t) => nearlyThrice(0)(exp(nearlyThrice(0)(t))), [x])).toBe(true);
  });

  test('locate: false skips the search', () => {
    const e = failure((t) => nearlyThrice(0.5)(t), [f64([2], 19)], { locate: false });
    expect(e.culprit).toBeNull();
    expect(e.message).not.toMatch(/culprit/);
  });
});
