/**
 * A server's loop: every request brings a new plain Float32Array (a decoded image), wrapped in a Tensor inside tidy()
 * and released with it. While the heap has room, requests for float32 buffers go to the heap, so nobody would ask
 * for those plain arrays again: the pool must not keep them (it did, one per request, up to its 4 GB limit: the
 * `serve` test's RSS grew by a third over 200 predictions). Its own file: the pool's state is process-wide.
 */
import { expect, it } from 'vitest';
import { Tensor } from '../../src/tensor/tensor.js';
import { MIN_ELEMENTS, bufferPoolStats, clearBufferPool } from '../../src/tensor/buffer-pool.js';
import { tidy } from '../../src/autograd/tidy.js';
import { noGrad } from '../../src/autograd/grad-mode.js';
import { mul } from '../../src/ops/index.js';
import { setBackend } from '../../src/backend/index.js';

it('plain input arrays released in tidy() are not kept while the heap serves float32 buffers', () => {
  setBackend('wasm');
  clearBufferPool();
  const n = 4 * MIN_ELEMENTS;
  const held: number[] = [];
  for (let i = 0; i < 20; i++) {
    const image = new Float32Array(n).fill(i); // what a decoder hands over
    tidy(() => noGrad(() => mul(new Tensor(image, [n]), 2).data[0]));
    held.push(bufferPoolStats().heldBytes);
  }
  expect(held[19]).toBe(held[1]); // the product's heap view comes back each time; the inputs are not kept
  expect(bufferPoolStats().dropped).toBeGreaterThanOrEqual(19);
});
