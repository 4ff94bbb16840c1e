/**
 * The poison check for ops whose outputs come from allocUninit: run f on a fresh buffer, release the result into a
 * pool that fills released buffers with NaN, run f again on that recycled NaN-filled buffer, and require the same
 * bits. A kernel that skipped an element would leave a NaN. Call usePoisonedPool() at the top of a test file.
 */
import { afterAll, beforeEach, expect } from 'vitest';
import type { Tensor } from '../src/tensor/tensor.js';
import { MIN_ELEMENTS, bufferPoolStats, clearBufferPool, poisonReleasedBuffers, resetBufferPoolStats } from '../src/tensor/buffer-pool.js';

export function usePoisonedPool(): void {
  beforeEach(() => {
    clearBufferPool();
    poisonReleasedBuffers(true);
  });
  afterAll(() => poisonReleasedBuffers(false));
}

/** f() twice: the second run must take the first run's (poisoned) buffer and still give the same numbers. */
export function sameOnPoisonedBuffer(f: () => Tensor): void {
  clearBufferPool();
  const first = f();
  const expected = Array.from(first.data);
  expect(first.size).toBeGreaterThanOrEqual(MIN_ELEMENTS); // or the pool would not be involved
  first.release();
  resetBufferPoolStats();
  const again = f();
  expect(bufferPoolStats().reused).toBeGreaterThanOrEqual(1);
  expect(Array.from(again.data)).toEqual(expected);
}
