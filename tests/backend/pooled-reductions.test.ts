/**
 * The engine's gradient accumulation and the conv bias gradient on the worker pool (js-pooled.ts addIntoPooled,
 * channelSumPooled): on heap-resident float32 data with 2-3 threads they must give the same bits as the one-thread
 * loops, and decline (return false) where pooling does not apply.
 */
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { allocArray } from '../../src/tensor/dtype.js';
import { noteManagedLifetimes } from '../../src/tensor/buffer-pool.js';
import { channelSum } from '../../src/kernels/channel-bias.js';
import { addIntoPooled, channelSumPooled } from '../../src/backend/parallel/js-pooled.js';
import { getHeap, setThreads } from '../../src/backend/index.js';
import { randn } from '../../src/tensor/create.js';
import { Generator } from '../../src/tensor/rng.js';
import { add, mul, sum, conv2d } from '../../src/ops/index.js';
import { fillRandom } from '../helpers/random.js';

afterEach(() => setThreads(1));

function heapRandom(n: number, seed: number): Float32Array {
  noteManagedLifetimes(); // what the first backward({ recycle }) or tidy() does: new float32 buffers come from the heap
  return fillRandom(allocArray('float32', n) as Float32Array, seed); // a heap view on the wasm backend
}

describe('pooled accumulation and channel sums', () => {
  it('addIntoPooled: the same bits as a[i] += b[i], for any length and thread count', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1 << 15, max: 3 << 16 }), fc.constantFrom(2, 3), fc.nat(), (n, threads, seed) => {
        setThreads(threads);
        const a = heapRandom(n, seed), b = heapRandom(n, seed + 1);
        expect(getHeap().contains(a)).toBe(true);
        const expected = Float32Array.from(a);
        for (let i = 0; i < n; i++) expected[i] += b[i];
        expect(addIntoPooled(a, b)).toBe(true);
        expect(a).toEqual(expected);
      }),
      { numRuns: 8, seed: 21 },
    );
  });

  it('channelSumPooled: the documented summation order, bit for bit, split over channels', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 2, max: 40 }), fc.integer({ min: 2000, max: 9000 }), fc.nat(), (N, C, plane, seed) => {
        setThreads(2);
        const gy = heapRandom(N * C * plane, seed);
        const expected = new Float32Array(C);
        channelSum(expected, gy, N, C, plane);
        const gb = new Float32Array(C);
        const pooled = channelSumPooled(gb, gy, N, C, plane);
        if (N * C * plane >= 4 << 14) expect(pooled).toBe(true);
        if (pooled) expect(gb).toEqual(expected);
      }),
      { numRuns: 15, seed: 22 },
    );
  });

  it('declines plain arrays and one thread', () => {
    setThreads(2);
    expect(addIntoPooled(new Float32Array(1 << 17), new Float32Array(1 << 17))).toBe(false);
    expect(channelSumPooled(new Float32Array(8), new Float32Array(8 << 14), 1, 8, 1 << 14)).toBe(false);
    setThreads(1);
    expect(addIntoPooled(heapRandom(1 << 17, 1), heapRandom(1 << 17, 2))).toBe(false);
  });

  it('a graph with accumulated gradients and conv bias gradients: 2 threads give the bits of 1', () => {
    const grads = (threads: number): Float32Array[] => {
      setThreads(threads);
      const g = new Generator(5);
      const x = randn([2, 8, 64, 64], { generator: g }).requiresGrad_();
      const w = randn([8, 8, 1, 1], { generator: g }).requiresGrad_();
      const b = randn([8], { generator: g }).requiresGrad_();
      const h = conv2d(x, w, b);
      // h feeds three consumers and x two: their gradients are accumulated
      const loss = sum(add(mul(h, h), add(mul(h, x), h)));
      loss.backward(undefined, { recycle: true });
      return [x.grad!.data as Float32Array, w.grad!.data as Float32Array, b.grad!.data as Float32Array];
    };
    expect(grads(2)).toEqual(grads(1));
  });
});
