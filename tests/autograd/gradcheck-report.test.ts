/**
 * What a gradcheck failure reports, and its edge cases: the element (unravelled from the flat index), the numbers
 * and tolerances as printed, the culprit line in each of its forms (an element, a random direction, a backward that
 * throws, no op at fault), and the errors for a function gradcheck cannot check. Written to kill the mutants of
 * src/autograd/gradcheck.ts that the mode tests (gradcheck.test.ts) let through (README, "Mutation score").
 */
import { describe, expect, test } from 'vitest';
import { customOp, gradcheck, GradcheckError, randn, add, mul, cast, Generator, Tensor, ConfigError } from '../../src/index.js';

import { f64, failure } from '../helpers/gradcheck.js';

/** y = 2x whose gradient is off by +1 at the flat element `at` only. */
const wrongAt = (at: number) =>
  customOp(`wrongAt${at}`, {
    forward: (_ctx, x: Tensor) => mul(x, 2),
    backward(_ctx, gy) {
      const g = Float64Array.from(gy.data, (z) => 2 * z);
      g[at] += 1;
      return [new Tensor(g, gy.shape)];
    },
  });

/** y = 3x whose backward is off by a relative `err`. */
const nearlyThrice = (err: number) =>
  customOp('nearlyThrice', { forward: (_ctx, x: Tensor) => mul(x, 3), backward: (_ctx, gy) => [mul(gy, 3 * (1 + err))] });

describe('a gradcheck failure names the element and prints the numbers', () => {
  test('the element is unravelled from the flat index (row-major), for 2-D and 3-D inputs', () => {
    expect(failure((x) => wrongAt(5)(x), [f64([2, 3], 1)]).index).toEqual([1, 2]);
    expect(failure((x) => wrongAt(4)(x), [f64([2, 3], 1)]).index).toEqual([1, 1]);
    const e = failure((x) => wrongAt(14)(x), [f64([2, 3, 4], 2)]);
    expect(e.index).toEqual([1, 0, 2]);
    expect(e.culprit).toMatchObject({ op: 'wrongAt14', index: [1, 0, 2] });
    expect(e.message).toMatch(/^gradcheck wrongAt14: input 0 at \[1, 0, 2\]: /);
  });

  test('numerical and analytical are printed to 6 significant digits; the error is a GradcheckError by name', () => {
    const e = failure((x) => nearlyThrice(0.5)(x), [f64([2], 3)]);
    expect(e.name).toBe('GradcheckError');
    expect(e).toBeInstanceOf(Error);
    expect(e.message).toContain(`numerical ${e.numerical.toPrecision(6)}, analytical ${e.analytical.toPrecision(6)} (`);
    expect(e.message).toContain(`numerical ${e.culprit!.numerical!.toPrecision(6)}, analytical ${e.culprit!.analytical!.toPrecision(6)}`);
  });

  test('tolerances print as given: zero as 0, small ones in exponent form, others as decimals', () => {
    const e = failure((x) => nearlyThrice(0.5)(x), [f64([2], 3)], { atol: 0, rtol: 0.25, eps: 1e-4 });
    expect(e.message).toContain('(eps 1e-4, atol 0, rtol 0.25)');
  });

  test('the comparison is |a − n| ≤ atol + rtol·|n| (as torch.allclose): an exact match passes with zero tolerances', () => {
    // y = 0·x: analytical and numerical gradients are both exactly 0
    expect(gradcheck((x) => mul(x, 0), [f64([3], 4)], { atol: 0, rtol: 0 })).toBe(true);
    expect(gradcheck((x) => mul(x, 0), [f64([3], 4)], { atol: 0, rtol: 0, fast: true })).toBe(true);
  });

  test('the default seed is 0x5eed: the same random cotangent and directions as passing it', () => {
    const x = [f64([3, 2], 5)];
    const a = failure((t) => nearlyThrice(0.5)(t), x, { fast: true, locate: false });
    const b = failure((t) => nearlyThrice(0.5)(t), x, { fast: true, locate: false, seed: 0x5eed });
    const c = failure((t) => nearlyThrice(0.5)(t), x, { fast: true, locate: false, seed: 0 });
    expect(a.numerical).toBe(b.numerical);
    expect(a.numerical).not.toBe(c.numerical);
  });
});

describe('the culprit line in each of its forms', () => {
  test('locate: false leaves the message at the one head line', () => {
    const e = failure((t) => nearlyThrice(0.5)(t), [f64([2], 6)], { locate: false });
    expect(e.culprit).toBeNull();
    expect(e.message).not.toContain('\n');
    expect(e.message).toMatch(/^gradcheck nearlyThrice: input 0 at \[0\]: numerical \S+, analytical \S+ \(eps 1e-6, atol 1e-5, rtol 0\.001\)$/);
  });

  test('an input larger than the element search (4096 elements) is blamed along a random direction', () => {
    const e = failure((t) => nearlyThrice(0.5)(t), [f64([65, 64], 7)], { fast: true });
    expect(e.culprit).toMatchObject({ kind: 'backward', op: 'nearlyThrice', input: 0 });
    expect(e.culprit!.index).toBeUndefined();
    expect(e.culprit!.analytical! / e.culprit!.numerical!).toBeCloseTo(1.5, 6);
    expect(e.message).toMatch(/\n  culprit: 'nearlyThrice' \(node 0 of 1\) is wrong for input 0 along a random direction: numerical \S+, analytical \S+$/);
  });

  test('a backward that throws when the search calls it again is reported with its own message', () => {
    let calls = 0;
    const once = customOp('once', {
      forward: (_ctx, x: Tensor) => mul(x, 2),
      backward(_ctx, gy) {
        if (++calls > 1) throw new Error('saved tensors already freed');
        return [mul(gy, 3)]; // wrong: should be 2
      },
    });
    const e = failure((x) => once(x), [f64([2], 8)]);
    expect(e.culprit).toMatchObject({ kind: 'backward', op: 'once', input: 0 });
    expect(e.message).toMatch(/\n  culprit: 'once' \(node 0 of 1\), input 0: .*saved tensors already freed$/);
  });

  test('a value read out of the graph into a number argument: no op is at fault, and the report says so', () => {
    // x.data[0] enters add as a plain number, so its dependence on x is invisible to every op and to the graph
    const fn = (x: Tensor): Tensor => add(mul(x, 2), (x.data as Float64Array)[0]);
    const e = failure(fn, [f64([3], 9)]);
    expect(e.culprit).toBeNull();
    expect(e.message).toMatch(/\n  no single op found at fault: every recorded op's backward agrees with its own numerical Jacobian/);
  });
});

describe('functions gradcheck cannot check', () => {
  test('an output that is an input (no op recorded) passes, named fn', () => {
    expect(gradcheck((x) => x, [f64([2], 10)])).toBe(true);
    // and the head line of a failure falls back to the name option
    const e = failure((x) => nearlyThrice(0.5)(x), [f64([2], 10)], { name: 'myFn' });
    expect(e.message).toMatch(/^gradcheck myFn: input 0 at \[0\]/);
  });

  test('a float32 output is an error naming the function', () => {
    expect(() => gradcheck((x) => cast(mul(x, 2), 'float32'), [f64([2], 11)])).toThrow(ConfigError);
    expect(() => gradcheck((x) => cast(mul(x, 2), 'float32'), [f64([2], 11)])).toThrow(/gradcheck cast.*output must be float64 when inputs are, got float32/);
  });

  test('an output no input reaches is an error naming the function', () => {
    expect(() => gradcheck(() => f64([2], 12), [f64([2], 13)])).toThrow(ConfigError);
    expect(() => gradcheck(() => f64([2], 12), [f64([2], 13)])).toThrow(/gradcheck fn.*output does not require grad \(no differentiable input reached it\)/);
  });
});
