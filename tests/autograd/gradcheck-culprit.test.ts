/**
 * gradcheck's culprit search (src/autograd/culprit.ts) called directly, on the cases gradcheck's own failures rarely
 * reach: a function that is not deterministic, a backward returning a wrong shape (the engine would stop first), an
 * untracked path seen only element by element, the tolerance, the element search's size limit, what it leaves of
 * the caller's tensors. Written to kill the mutants of culprit.ts the gradcheck suites let through (README,
 * "Mutation score").
 */
import { describe, expect, test } from 'vitest';
import { customOp, record, tensor, mul, add, sum, exp, cast, conv2d, noGrad, Generator, randn, Tensor } from '../../src/index.js';
import { findCulprit, type CulpritSearch } from '../../src/autograd/culprit.js';

const f64 = (shape: number[], seed: number): Tensor => randn(shape, { dtype: 'float64', generator: new Generator(seed) }).requiresGrad_();
const search = (o: Partial<CulpritSearch> = {}): CulpritSearch => ({ eps: 1e-6, atol: 1e-5, rtol: 1e-3, seed: 7, label: (i) => `input ${i}`, wrt: [0], ...o });
/** A tensor with x's values that the graph does not see (an untracked path from x). */
const untracked = (x: Tensor): Tensor => new Tensor(Float64Array.from(x.data), x.shape);

/** y = k·x whose backward is off by a relative `err`. */
const scaleOff = (k: number, err: number) => customOp('scaleOff', { forward: (_ctx, x: Tensor) => mul(x, k), backward: (_ctx, gy) => [mul(gy, k * (1 + err))] });

describe('a function the search cannot replay', () => {
  test('a replay that records another op is an error naming both ops and the node', () => {
    let calls = 0;
    const fn = (x: Tensor): Tensor => (calls++ === 0 ? exp(x) : mul(x, 2)); // the first run (the trace) records exp
    expect(() => findCulprit(fn, [f64([3], 1)], search())).toThrow("gradcheck: fn recorded 'mul' where its first run recorded 'exp' (node 0); fn must be deterministic");
  });

  test('a replay that stops before the node is an error naming it; the input is left as it was', () => {
    let calls = 0;
    const x = f64([3], 2);
    const before = Array.from(x.data);
    // the first run records exp then mul(x, 3); later runs stop after exp: node 1 reads x, which the search shifts
    const fn = (t: Tensor): Tensor => {
      const e = exp(t);
      return calls++ === 0 ? add(e, mul(t, 3)) : e;
    };
    expect(() => findCulprit(fn, [x], search())).toThrow("gradcheck: fn stopped before recording node 1 ('mul') when run again; fn must be deterministic");
    expect(Array.from(x.data)).toEqual(before);
  });
});

describe('what the search reports', () => {
  test('a backward returning a gradient of the wrong shape is named with both shapes', () => {
    const x = f64([2, 3], 3);
    const fn = (t: Tensor): Tensor => record('rowGrad', [t], noGrad(() => mul(t, 2)), (gy) => [tensor([1, 2, 3], [3], { dtype: 'float64' })]);
    expect(findCulprit(fn, [x], search())).toEqual({
      kind: 'backward', op: 'rowGrad', node: 0, nodes: 1, input: 0, detail: 'its backward returned a gradient of shape [3] for an input of shape [2, 3]',
    });
  });

  test('an untracked path from a tensor fn did not receive is named by its shape', () => {
    const w = f64([3], 4); // captured, requires grad, not an input of fn
    const fn = (x: Tensor): Tensor => add(mul(w, untracked(w)), x);
    expect(findCulprit(fn, [f64([3], 5)], search())).toMatchObject({
      kind: 'untracked', op: 'mul', node: 0, input: 1, source: 'a tensor of shape [3] that fn did not receive as an input',
    });
  });

  test("an untracked path from an earlier node's output is named by that node", () => {
    const fn = (x: Tensor): Tensor => {
      const h = exp(x);
      return mul(h, untracked(h));
    };
    expect(findCulprit(fn, [f64([3], 6)], search())).toEqual({ kind: 'untracked', op: 'mul', node: 1, nodes: 2, input: 1, source: "the output of node 0 ('exp')" });
  });

  test("an untracked path found over the whole replay names a custom op's input", () => {
    const scale = customOp('scale', { inputNames: ['y', 'c'], forward: (_ctx, y: Tensor, c: Tensor) => mul(y, c), backward: (ctx, gy) => [mul(gy, ctx.args[1]), null] });
    // scale's own input y does not leak into c; c comes from x outside the graph
    const fn = (x: Tensor, y: Tensor): Tensor => add(scale(y, untracked(x)), x);
    expect(findCulprit(fn, [f64([3], 7), f64([3], 8)], search({ wrt: [0, 1] }))).toEqual({
      kind: 'untracked', op: 'scale', node: 0, nodes: 2, input: 1, inputName: 'c', source: 'input 0',
    });
  });

  test('an untracked input whose length changes with x is seen (a shorter replay input with the same first values)', () => {
    // ones of length 2 in the first run, of length 1 once x moves: mul's input 1 changed, though its first value did not
    const fn = (x: Tensor): Tensor => sum(mul(x, tensor(x.data[0] === 0 ? [1, 1] : [1], [x.data[0] === 0 ? 2 : 1], { dtype: 'float64' })));
    expect(findCulprit(fn, [tensor([0], [1], { dtype: 'float64' }).requiresGrad_()], search())).toMatchObject({ kind: 'untracked', op: 'mul', input: 1 });
  });

  test('an untracked path seen only when one element moves (not along the random direction) is reported as untracked', () => {
    const x = f64([4], 9);
    const x0 = Float64Array.from(x.data);
    // c moves only when exactly one element of x differs from x0; scaleOff2 is wrong, so the element search runs
    const scaleOff2 = customOp('scaleOff2', { forward: (_ctx, a: Tensor, c: Tensor) => mul(a, c), backward: (ctx, gy) => [mul(gy, mul(ctx.args[1], 1.5)), null] });
    const fn = (t: Tensor): Tensor => {
      const moved = Array.from(t.data).filter((v, i) => v !== x0[i]).length;
      return scaleOff2(t, tensor(new Array(4).fill(moved === 1 ? 3 : 2), [4], { dtype: 'float64' }));
    };
    expect(findCulprit(fn, [x], search())).toEqual({ kind: 'untracked', op: 'scaleOff2', node: 0, nodes: 1, input: 1, source: 'input 0' });
  });

  test('with maxElements below the input size a leak along the random direction is still reported as untracked', () => {
    const fn = (x: Tensor): Tensor => mul(x, untracked(x));
    expect(findCulprit(fn, [f64([4], 10)], search({ maxElements: 1 }))).toEqual({ kind: 'untracked', op: 'mul', node: 0, nodes: 1, input: 1, source: 'input 0' });
  });

  test('an input of exactly maxElements elements is searched element by element', () => {
    const c = findCulprit((x) => scaleOff(2, 0.5)(x), [f64([2, 2], 11)], search({ maxElements: 4 }));
    expect(c).toMatchObject({ kind: 'backward', op: 'scaleOff', index: [0, 0] });
  });

  test('a backward off along the direction but within tolerance at every element is blamed along the direction', () => {
    // every element's gradient is off by 0.9·atol (passes alone); along the random direction the errors add up
    const biased = customOp('biased', {
      forward: (_ctx, x: Tensor) => mul(x, 2),
      backward: (_ctx, gy) => [new Tensor(Float64Array.from(gy.data, (z) => 2 * z + 0.9e-5), gy.shape)],
    });
    const c = findCulprit((x) => biased(x), [f64([400], 12)], search({ rtol: 0 }));
    expect(c).toMatchObject({ kind: 'backward', op: 'biased', node: 0, input: 0 });
    expect(c!.index).toBeUndefined();
    expect(Number.isFinite(c!.numerical) && Number.isFinite(c!.analytical)).toBe(true);
  });
});

describe('tolerance and precision', () => {
  test('the comparison is |a − n| ≤ atol + rtol·|n|: an exact match passes with zero tolerances', () => {
    expect(findCulprit((x) => mul(x, 0), [f64([3], 13)], search({ atol: 0, rtol: 0 }))).toBeNull();
  });

  test('rtol scales with |n|: a backward 10 % off passes with rtol 0.25 and is blamed with rtol 0.05', () => {
    const x = [f64([50], 14)];
    expect(findCulprit((t) => scaleOff(30, 0.1)(t), x, search({ atol: 0, rtol: 0.25 }))).toBeNull();
    expect(findCulprit((t) => scaleOff(30, 0.1)(t), x, search({ atol: 0, rtol: 0.05 }))).toMatchObject({ kind: 'backward', op: 'scaleOff' });
  });

  test('ops on float32 tensors are not checked (the search perturbs float64 only: float32 rounding would blame them)', () => {
    const w = randn([3], { generator: new Generator(15) }).requiresGrad_(); // a float32 input that requires grad
    const fn = (x: Tensor, v: Tensor): Tensor => add(x, cast(mul(v, 3), 'float64'));
    expect(findCulprit(fn, [f64([3], 16), w], search())).toBeNull();
  });

  test('an int32 input listed in wrt is not perturbed over the replay', () => {
    const k = tensor([1, 2, 3], [3], { dtype: 'int32' });
    const fn = (x: Tensor, idx: Tensor): Tensor => mul(x, cast(idx, 'float64'));
    expect(findCulprit(fn, [f64([3], 16), k], search({ wrt: [0, 1] }))).toBeNull();
  });

  test('untracked paths are looked for with shifts of about eps: one that moves only with shifts of 5·eps is not reported', () => {
    // values at the middle of a 1e-5 grid (none near 0, where -0 would differ from 0): rounding to the grid moves only when a shift exceeds 5e-6 = 5·eps
    const x = tensor(Array.from({ length: 20 }, (_, i) => (i + 1.5) * 1e-5), [20], { dtype: 'float64' }).requiresGrad_();
    const grid = (t: Tensor): Tensor => new Tensor(Float64Array.from(t.data, (v) => Math.round(v / 1e-5 - 0.5) * 1e-5), t.shape);
    expect(findCulprit((t) => add(t, grid(t)), [x], search())).toBeNull();
  });
});

describe('robustness', () => {
  test('closures are called with recycling false: a padded conv2d keeps its padded input readable for the search', () => {
    const x = f64([1, 2, 4, 4], 17);
    const w = f64([2, 2, 3, 3], 18);
    const fn = (a: Tensor, b: Tensor): Tensor => conv2d(a, b, null, { padding: 1, paddingMode: 'reflect' });
    expect(findCulprit(fn, [x, w], search({ wrt: [0, 1] }))).toBeNull();
  });

  test('a replay that records a node the first run did not is no untracked input, and the inputs are left as they were', () => {
    const x = f64([3], 19);
    const x0 = Float64Array.from(x.data);
    const before = Array.from(x.data);
    // once x has moved (the whole-replay search), fn records one more op with a constant first input
    const fn = (t: Tensor): Tensor => {
      const s = sum(t);
      return t.data[0] === x0[0] ? s : add(tensor([1], [], { dtype: 'float64' }), s);
    };
    expect(findCulprit(fn, [x], search())).toBeNull();
    expect(Array.from(x.data)).toEqual(before);
  });

  test('an input slot that is null in one run and a tensor in the other does not break the search', () => {
    const x = f64([3], 20);
    const x0 = Float64Array.from(x.data);
    const fn = (t: Tensor): Tensor => {
      const extra = t.data[0] === x0[0] ? null : tensor([0, 0, 0], [3], { dtype: 'float64' });
      return record('maybeExtra', [t, extra], noGrad(() => mul(t, 2)), (gy) => [mul(gy, 2), null]);
    };
    expect(() => findCulprit(fn, [x], search())).not.toThrow();
  });
});
