/**
 * When the heap's tensor region is full (a training step at 384² and up keeps more than the region holds), new
 * tensors are plain arrays. The plain loop (no recycle, no tidy) must then reuse the plain arrays it released, as it
 * reuses heap views: from the second step on it makes no new buffer, and the numbers are those of an unbounded heap.
 * Its own file: the first backward({ recycle }) or tidy() in a process changes the buffer policy for good.
 */
import { afterEach, expect, it } from 'vitest';
import { randn, randint } from '../../src/tensor/create.js';
import { Generator } from '../../src/tensor/rng.js';
import {
  MIN_ELEMENTS, bufferPoolStats, clearBufferPool, resetBufferPoolStats, setBufferPoolLimit, setFreshBufferSource, giveBuffer,
  type FreshBufferSource,
} from '../../src/tensor/buffer-pool.js';
import { allocArray } from '../../src/tensor/dtype.js';
import { enterLifetimeScope, leaveLifetimeScope } from '../../src/tensor/buffer-pool.js';
import { getHeap, setBackend, setThreads } from '../../src/backend/index.js';
import { heapTensorBuffers } from '../../src/backend/parallel/tensor-buffers.js';
import { installHeapTensorBuffers } from '../../src/backend/runtime.js';
import { AMSUnet } from '../../src/models/amsunet/amsunet.js';
import { amsunetCriterion } from '../../src/nn/losses.js';
import { AdamW } from '../../src/optim/adamw.js';

afterEach(() => {
  setThreads(1);
  clearBufferPool();
  setBufferPoolLimit(4 * 1024 ** 3);
  installHeapTensorBuffers(); // what runtime.ts installs
});

/** The real heap source, declining once `capBytes` of heap are in use (as the real one does at its tensor limit). */
function cappedHeap(capBytes: number): FreshBufferSource {
  const real = heapTensorBuffers(getHeap, () => true);
  return { ...real, take: (dtype, n, zero) => (getHeap().usage().inUseBytes + 4 * n > capBytes ? undefined : real.take(dtype, n, zero)) };
}

function train(source: FreshBufferSource | null, steps: number, afterStep?: (step: number) => void): Float32Array[] {
  setBackend('wasm');
  setThreads(2);
  clearBufferPool();
  setFreshBufferSource(source);
  const g = new Generator(11);
  const model = new AMSUnet({ inChannels: 3, numClasses: 2, baseC: 4, generator: g }).train();
  const opt = new AdamW(model.parameters(), { lr: 1e-3 });
  const x = randn([2, 3, 64, 64], { generator: g });
  const y = randint(0, 2, [2, 64, 64], { generator: g });
  for (let step = 0; step < steps; step++) {
    opt.zeroGrad();
    amsunetCriterion(model.forward(x), y).backward(); // the loop a PyTorch user writes
    opt.step();
    afterStep?.(step);
  }
  return model.parameters().map((p) => Float32Array.from(p.data as Float32Array));
}

it('a plain training loop whose heap fills up reuses the plain arrays it released, and gives the same weights', () => {
  // buffers the pool could not serve, per step from the third on
  const newPerStep = (source: FreshBufferSource | (() => FreshBufferSource)): { weights: Float32Array[]; perStep: number[] } => {
    clearBufferPool(); // the views an earlier run pooled go back to the heap
    const missed: number[] = [];
    const weights = train(typeof source === 'function' ? source() : source, 5, () => missed.push(bufferPoolStats().missed));
    return { weights, perStep: missed.slice(2).map((m, i) => m - missed[i + 1]) };
  };
  const roomy = newPerStep(heapTensorBuffers(getHeap, () => true));
  const full = newPerStep(() => cappedHeap(getHeap().usage().inUseBytes + 2 * 1024 ** 2));
  expect(full.weights).toEqual(roomy.weights);
  // with room, none; when full, a steady 1-2 a step, left to the garbage collector (without the reuse: 341): the
  // logits, a pooled plain array that becomes the user's (with room they are a heap view copied out to a new array
  // the pool does not count), and a gradient asked for while a gelu output made again for backward holds a buffer
  expect(roomy.perStep).toEqual([0, 0, 0]);
  expect(new Set(full.perStep).size).toBe(1);
  expect(full.perStep[0]).toBeLessThanOrEqual(2);
});

it('the pool limit bounds plain arrays only: a released heap view is kept (dropping it would strand its region)', () => {
  setBackend('wasm');
  setFreshBufferSource(heapTensorBuffers(getHeap, () => true));
  setBufferPoolLimit(0);
  resetBufferPoolStats();
  enterLifetimeScope();
  try {
    const view = allocArray('float32', MIN_ELEMENTS);
    expect(getHeap().contains(view)).toBe(true);
    giveBuffer(view);
    giveBuffer(new Float32Array(MIN_ELEMENTS)); // plain: over the limit of 0 bytes
    expect(bufferPoolStats()).toMatchObject({ heldBytes: 4 * MIN_ELEMENTS, dropped: 1 });
    expect(allocArray('float32', MIN_ELEMENTS)).toBe(view);
  } finally {
    leaveLifetimeScope();
  }
});
