/**
 * Gradient accumulation (addInto in src/autograd/gradient-sums.ts, 4-way unrolled) element by element against a
 * plain sum, for lengths that cover every remainder mod 4: into an intermediate used twice within one backward, and into a leaf's .grad
 * across two backward calls. One addition per element, so the result is exact to the bit in float32 and float64.
 * And the table itself: how many sums it makes, and what it tells the memory policy.
 */
import { describe, expect, test } from 'vitest';
import { tensor, add, mul, randn, Generator, type Tensor } from '../../src/index.js';
import { GradientSums } from '../../src/autograd/gradient-sums.js';
import type { BackwardMemory } from '../../src/autograd/lifetimes.js';

const dtypes = ['float32', 'float64'] as const;
const lengths = [1, 2, 3, 4, 5, 6, 7, 8, 9, 1027];

describe.each(dtypes)('gradient accumulation, %s', (dtype) => {
  const Ctor = dtype === 'float32' ? Float32Array : Float64Array;
  const rng = new Generator(7);
  const rand = (n: number) => randn([n], { dtype, generator: rng });
  /** a + b rounded to the dtype, per element: what one accumulation step must give. */
  const sumOf = (a: ArrayLike<number>, b: ArrayLike<number>) => {
    const out = new Ctor(a.length);
    for (let i = 0; i < a.length; i++) out[i] = a[i] + b[i];
    return out;
  };

  test.each(lengths)('an intermediate used twice in one backward, length %i', (n) => {
    const x = rand(n).requiresGrad_();
    const c1 = rand(n), c2 = rand(n);
    const z = mul(x, 1); // not a leaf: its two incoming gradients c1 and c2 are summed by the engine
    add(mul(z, c1), mul(z, c2)).backward(tensor(new Ctor(n).fill(1), [n], { dtype }));
    expect(x.grad!.data).toEqual(sumOf(c1.data, c2.data));
  });

  test.each(lengths)('a leaf across two backward calls, length %i', (n) => {
    const x = rand(n).requiresGrad_();
    const g1 = rand(n), g2 = rand(n);
    mul(x, 1).backward(g1);
    mul(x, 1).backward(g2);
    expect(x.grad!.data).toEqual(sumOf(g1.data, g2.data));
  });
});

describe('GradientSums', () => {
  /** A memory policy that only records what the table tells it. */
  const recorder = () => {
    const log: string[] = [];
    const memory = { hold: (g: Tensor) => void log.push(`hold ${names.get(g) ?? 'sum'}`), drop: (g: Tensor) => void log.push(`drop ${names.get(g) ?? 'sum'}`) };
    return { log, memory: memory as unknown as BackwardMemory };
  };
  const names = new Map<Tensor, string>();

  test('the first contribution is stored as it is, the second makes one fresh sum, which takes every later one in place', () => {
    const x = randn([5], { dtype: 'float64', generator: new Generator(1) });
    const [a, b, c, d] = [2, 3, 4, 5].map((s) => randn([5], { dtype: 'float64', generator: new Generator(s) }));
    names.set(a, 'a').set(b, 'b').set(c, 'c').set(d, 'd');
    const { log, memory } = recorder();
    const sums = new GradientSums(memory);
    for (const g of [a, b, c, d]) sums.add(x, g);
    expect(log).toEqual(['hold a', 'hold sum', 'drop a']); // one sum made, whatever the number of contributions
    const total = sums.take(x)!;
    expect(Array.from(total.data)).toEqual(Array.from(a.data, (v, i) => v + b.data[i] + c.data[i] + d.data[i]));
    expect(sums.take(x)).toBeUndefined();
  });

  test("addEach: each gradient a closure returns is held while handed out, then dropped; null slots are no gradient", () => {
    const [x, y] = [1, 2].map((s) => randn([3], { dtype: 'float64', generator: new Generator(s) }).requiresGrad_());
    const g = randn([3], { dtype: 'float64', generator: new Generator(3) });
    names.set(g, 'g');
    const { log, memory } = recorder();
    new GradientSums(memory).addEach([x, y, null], [g, null, null]);
    expect(log).toEqual(['hold g', 'hold g', 'drop g']); // handed out, stored for x, handed out no more
  });
});
