/**
 * Gradient accumulation (addInto in src/autograd/gradient-sums.ts, 4-way unrolled) element by element against a
 * plain sum, for lengths that cover every remainder mod 4: into an intermediate used twice within one backward, and into a leaf's .grad
 * across two backward calls. One addition per element, so the result is exact to the bit in float32 and float64.
 */
import { describe, expect, test } from 'vitest';
import { tensor, add, mul, randn, Generator } from '../../src/index.js';

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
