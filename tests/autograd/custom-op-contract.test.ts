/** customOp's argument checks and the edges of its contract: undefined gradients, int32 outputs. */
import { describe, expect, test } from 'vitest';
import { customOp, mul, randn, sum, Generator, Tensor, type CustomOpDefinition } from '../../src/index.js';

const f64 = (seed: number): Tensor => randn([2, 3], { dtype: 'float64', generator: new Generator(seed) }).requiresGrad_();
const double = (x: Tensor): Tensor => mul(x, 2);

describe('customOp', () => {
  test('a definition without forward or backward, or a name that is not a string, is refused by name', () => {
    const bad = (d: unknown) => () => customOp('op', d as CustomOpDefinition<[Tensor]>);
    expect(bad(undefined)).toThrow(/^customOp: op: the definition needs forward and backward functions/);
    expect(bad({ forward: double })).toThrow(/^customOp: op: the definition needs forward and backward functions/);
    expect(bad({ backward: () => [null] })).toThrow(/^customOp: op: the definition needs forward and backward functions/);
    expect(() => customOp<[Tensor]>(5 as unknown as string, { forward: (_ctx, x) => double(x), backward: () => [null] })).toThrow(/^customOp: name must be a non-empty string/);
  });

  test('forward returning null and backward returning a number are named in the message', () => {
    expect(() => customOp<[Tensor]>('nul', { forward: () => null as unknown as Tensor, backward: () => [null] })(f64(1))).toThrow(/got null/);
    const num = customOp<[Tensor]>('num', { forward: (_ctx, x: Tensor) => double(x), backward: () => [3 as unknown as Tensor] });
    expect(() => sum(num(f64(2))).backward()).toThrow(/^num: backward's gradient for input 0 must be a Tensor or null, got number/);
  });

  test('an undefined gradient is a null one', () => {
    const x = f64(3);
    const undef = customOp<[Tensor]>('undef', { forward: (_ctx, t: Tensor) => double(t), backward: () => [undefined as unknown as null] });
    sum(undef(x)).backward();
    expect(x.grad).toBeNull();
  });

  test('an int32 output is not recorded (not differentiable)', () => {
    const toInt = customOp<[Tensor]>('toInt', { forward: () => new Tensor(new Int32Array([1, 2]), [2]), backward: () => [null] });
    const y = toInt(f64(4));
    expect(y.dtype).toBe('int32');
    expect(y.gradFn).toBeNull();
    expect(y.requiresGrad).toBe(false);
  });

  test("forward's own new tensor is the op's output as it is; an argument returned as is is copied", () => {
    let made: Tensor | null = null;
    const fresh = customOp<[Tensor]>('fresh', { forward: (_ctx, x: Tensor) => (made = double(x)), backward: (_ctx, gy) => [mul(gy, 2)] });
    const x = f64(8);
    const y = fresh(x);
    expect(y).toBe(made);
    expect(y.gradFn!.name).toBe('fresh');
    const same = customOp<[Tensor]>('same', { forward: (_ctx, t: Tensor) => t, backward: (_ctx, gy) => [gy] });
    const z = same(x);
    expect(z).not.toBe(x);
    expect(Array.from(z.data)).toEqual(Array.from(x.data));
  });

  test('ctx.recycling is true when the closure runs for the last time (plain backward, recycle), false with retainGraph', () => {
    // the engine passes BackwardMemory.lastRun (= !retainGraph): the closure is dropped after such a run, so it may
    // release what only it holds (conv2d's padded copy) in a plain backward as well as with { recycle }
    const seen: boolean[] = [];
    const spy = customOp<[Tensor]>('spy', {
      forward: (_ctx, x: Tensor) => double(x),
      backward: (ctx, gy) => {
        seen.push(ctx.recycling);
        return [mul(gy, 2)];
      },
    });
    sum(spy(f64(5))).backward();
    sum(spy(f64(6))).backward(undefined, { recycle: true });
    const kept = sum(spy(f64(7)));
    kept.backward(undefined, { retainGraph: true });
    kept.backward(undefined, { retainGraph: true });
    kept.backward(); // the last run
    expect(seen).toEqual([true, true, false, false, true]);
  });
});
