/**
 * cat (forward and gradient) and addN take their outputs from allocUninit, so they must write every element: each
 * case runs twice, the second time on the first run's recycled buffer poisoned with NaN, and must give the same bits.
 */
import { describe, expect, it } from 'vitest';
import { randn } from '../../src/tensor/create.js';
import { Generator } from '../../src/tensor/rng.js';
import { sameOnPoisonedBuffer, usePoisonedPool } from '../poison.js';
import { addN, cat, mul, sum } from '../../src/ops/index.js';

usePoisonedPool();

describe('cat and addN write every element of an uninitialised output', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    for (const axis of [0, 1, 2, 3]) {
      it(`cat along axis ${axis}, ${dtype}: forward and the gradient of each input`, () => {
        const shapes = [[2, 3, 60, 100], [2, 3, 60, 100]].map((s) => s.map((d, k) => (k === axis ? d + 2 : d)));
        shapes[1][axis] -= 3;
        const inputs = shapes.map((s, i) => randn(s, { dtype, generator: new Generator(7 + i), requiresGrad: true }));
        sameOnPoisonedBuffer(() => cat(inputs, axis));
        const w = randn(cat(inputs, axis).shape, { dtype, generator: new Generator(9) });
        for (const i of [0, 1]) {
          sameOnPoisonedBuffer(() => {
            inputs.forEach((t) => (t.grad = null));
            sum(mul(cat(inputs, axis), w)).backward();
            return inputs[i].grad!;
          });
        }
      });
    }
    it(`addN, ${dtype}`, () => {
      const xs = [0, 1, 2].map((i) => randn([3, 7000], { dtype, generator: new Generator(20 + i) }));
      sameOnPoisonedBuffer(() => addN(xs));
    });
  }
});
