/**
 * The heap and the pool start each other (runtime.ts: the first use of the heap starts the workers): asking for the
 * pool first (threadsReady() before any tensor) must still make one pool, not one inside the other. Its own file:
 * the runtime's heap and pool are process-wide and must not exist yet.
 */
import { expect, test } from 'vitest';
import { getBackend, getHeap, getPool } from '../../src/backend/index.js';

test('getPool before the heap exists makes one pool; the heap made for it is the runtime heap', () => {
  const pool = getPool();
  expect(getPool()).toBe(pool);
  expect(getHeap()).toBe(pool.heap);
  expect(getPool()).toBe(pool); // the heap's first use did not make another
  // ... and warmed this pool's main-thread kernels (a pool made inside another's construction would have taken them)
  if (getBackend() === 'wasm') expect(Reflect.get(pool.main, 'gemm')).not.toBeNull();
});
