/**
 * The engine's side of backward({ recycle }) on a small graph (the AMSUnet version is in recycle.test.ts, too slow
 * for the mutation run): every gradient the engine holds is dropped once handed on, so from the second identical
 * step on every pooled buffer comes from the pool. A gradient the engine kept would make the next step allocate.
 */
import { beforeEach, expect, test } from 'vitest';
import { randn } from '../../src/tensor/create.js';
import { Generator } from '../../src/tensor/rng.js';
import { add, mul, sum, exp } from '../../src/ops/index.js';
import { record } from '../../src/autograd/record.js';
import { noGrad } from '../../src/autograd/grad-mode.js';
import { MIN_ELEMENTS, bufferPoolStats, clearBufferPool, resetBufferPoolStats, setBufferPoolLimit } from '../../src/tensor/buffer-pool.js';

beforeEach(() => {
  clearBufferPool();
  resetBufferPoolStats();
  setBufferPoolLimit(4 * 1024 ** 3);
});

test('recycle: after the first step, a step with accumulated and passed-through gradients makes no new buffer', () => {
  const n = MIN_ELEMENTS + 5;
  const g = new Generator(1);
  const a = randn([n], { generator: g, dtype: 'float64' }).requiresGrad_();
  const b = randn([n], { generator: g, dtype: 'float64' }).requiresGrad_();
  const frozen = randn([n], { generator: g, dtype: 'float64' });
  const grads: number[][] = [];
  for (let step = 0; step < 3; step++) {
    resetBufferPoolStats();
    a.grad = null;
    b.grad = null;
    const h = mul(add(a, b), frozen); // h feeds three consumers: its gradient is a sum made by the engine
    // an op whose backward ignores `needs` and returns a gradient for the frozen input too: the engine must drop it
    const k = record('ignoresNeeds', [h, frozen], noGrad(() => mul(h, frozen)), (gy) => [mul(gy, frozen), mul(gy, h)]);
    const loss = sum(add(add(mul(h, h), exp(mul(k, 0.1))), mul(h, a)));
    loss.backward(undefined, { recycle: true });
    grads.push([a.grad!.data[0], b.grad!.data[7]]);
    if (step >= 1) {
      expect(bufferPoolStats().missed).toBe(0);
      expect(bufferPoolStats().reused).toBeGreaterThan(5);
    }
  }
  expect(grads[2]).toEqual(grads[0]);
});
