/**
 * Tensor buffers in the shared wasm heap (src/backend/tensor-buffers.ts) and the heap's region allocator.
 * On the wasm backend, new float32 buffers of pool size are heap views that kernels use in place; the results must
 * be the same bits as with plain arrays (which the kernels see through staging copies).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { allocArray, allocUninit } from '../../src/tensor/dtype.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { randn, randint } from '../../src/tensor/create.js';
import { Generator } from '../../src/tensor/rng.js';
import {
  MIN_ELEMENTS, areLifetimesManaged, clearBufferPool, isRecyclable, setFreshBufferSource,
} from '../../src/tensor/buffer-pool.js';
import { tidy } from '../../src/autograd/tidy.js';
import { getHeap, setBackend, setThreads } from '../../src/backend/index.js';
import { heapTensorBuffers } from '../../src/backend/parallel/tensor-buffers.js';
import { installHeapTensorBuffers } from '../../src/backend/runtime.js';
import { SharedHeap } from '../../src/backend/parallel/heap.js';
import { AMSUnet } from '../../src/models/amsunet/amsunet.js';
import { amsunetCriterion } from '../../src/nn/losses.js';
import { AdamW } from '../../src/optim/adamw.js';

const N = MIN_ELEMENTS;

afterEach(() => {
  setBackend('wasm');
  setThreads(1);
  clearBufferPool();
  installHeapTensorBuffers(); // what runtime.ts installs
});

describe('before the program manages lifetimes', () => {
  it('new buffers are plain arrays until the first backward({ recycle }) or tidy()', () => {
    // this must run before anything in this file calls recycle or tidy (each test file is a fresh module state)
    expect(areLifetimesManaged()).toBe(false);
    expect(getHeap().contains(allocArray('float32', N))).toBe(false);
    tidy(() => null);
    expect(areLifetimesManaged()).toBe(true);
    expect(getHeap().contains(allocArray('float32', N))).toBe(true);
  });
});

describe('heap region allocator', () => {
  it('reuses a freed region of the same size, takes new ones from the top, and respects the limit', () => {
    const heap = new SharedHeap({ slots: 1, slotBytes: 64 });
    const a = heap.allocRegion(1000), b = heap.allocRegion(1000);
    expect(b - a).toBe(1024); // rounded up to 64
    heap.freeRegion(a, 1000);
    expect(heap.allocRegion(1000)).toBe(a);
    expect(heap.allocRegion(2000)).toBeGreaterThan(b);
    expect(heap.usage().inUseBytes).toBe(1024 + 1024 + 2048);
    expect(heap.allocRegion(1 << 20, heap.usage().memoryBytes)).toBeLessThanOrEqual(heap.usage().memoryBytes - (1 << 20)); // fits
    expect(heap.allocRegion(1 << 30, 1 << 29)).toBe(0); // past the limit: declined, not thrown
  });

  it('staging areas are freed together by resetStaging and come back for the next call', () => {
    const heap = new SharedHeap({ slots: 1, slotBytes: 64 });
    const s1 = heap.stage(3000), s2 = heap.stage(5000);
    const used = heap.usage().inUseBytes;
    expect(used).toBe(4096 + 8192); // powers of two
    heap.resetStaging();
    expect(heap.usage().inUseBytes).toBe(0);
    expect([heap.stage(5000), heap.stage(3000)].sort()).toEqual([s1, s2].sort());
  });
});

describe('tensor buffers in the heap (wasm backend)', () => {
  it('float32 buffers of pool size are heap views, zero-filled even when the region was used before', () => {
    const heap = getHeap();
    const a = allocArray('float32', N) as Float32Array;
    expect(heap.contains(a)).toBe(true);
    a.fill(5);
    const t = new Tensor(a, [N]);
    clearBufferPool();
    t.release(); // into the pool
    const b = allocArray('float32', N);
    expect(b).toBe(a); // the pool hands the same view back
    expect(b.every((v) => v === 0)).toBe(true);
    // a region reused through the allocator (not the pool) is zeroed as well
    const raw = heap.allocRegion(4 * N);
    heap.f32.fill(9, raw / 4, raw / 4 + N);
    heap.freeRegion(raw, 4 * N);
    const c = allocArray('float32', N);
    expect(c.byteOffset).toBe(raw);
    expect(c.every((v) => v === 0)).toBe(true);
    expect(heap.contains(allocUninit('float32', N))).toBe(true);
  });

  it('float64, int32, small buffers and the js backend on one thread get plain arrays; js on two threads, heap views', () => {
    const heap = getHeap();
    expect(heap.contains(allocArray('float64', N))).toBe(false);
    expect(heap.contains(allocArray('int32', N))).toBe(false);
    expect(heap.contains(allocArray('float32', N - 1))).toBe(false);
    setBackend('js');
    expect(heap.contains(allocArray('float32', N))).toBe(false);
    setThreads(2);
    expect(heap.contains(allocArray('float32', N))).toBe(true);
  });

  it('a heap view two tensors were built over is never recycled; other heap views (not from the source) never are', () => {
    const a = allocArray('float32', N);
    const t1 = new Tensor(a, [N]);
    expect(isRecyclable(a)).toBe(true);
    const t2 = new Tensor(a, [1, N]);
    expect(isRecyclable(a)).toBe(false);
    t1.release();
    expect(t2.data).toBe(a);
    const heap = getHeap();
    const foreign = new Float32Array(heap.f32.buffer, heap.allocRegion(4 * N), N);
    expect(isRecyclable(foreign)).toBe(false);
  });

  it('AMSUnet training steps give the same bits with tensors in the heap and with plain arrays (wasm 1 and 2 threads, js 2)', () => {
    const run = (inHeap: boolean, threads: number, backend: 'wasm' | 'js' = 'wasm'): Float32Array[] => {
      setBackend(backend);
      setThreads(threads);
      clearBufferPool();
      setFreshBufferSource(inHeap ? heapTensorBuffers(getHeap, () => true) : null);
      const g = new Generator(6);
      const model = new AMSUnet({ inChannels: 3, numClasses: 2, baseC: 4, generator: g }).train();
      const opt = new AdamW(model.parameters(), { lr: 1e-3 });
      const x = randn([2, 3, 64, 64], { generator: g });
      const y = randint(0, 2, [2, 64, 64], { generator: g });
      if (inHeap) expect(getHeap().contains(x.data)).toBe(true);
      for (let step = 0; step < 2; step++) {
        opt.zeroGrad();
        amsunetCriterion(model.forward(x), y).backward(undefined, { recycle: true });
        opt.step();
      }
      return model.parameters().map((p) => Float32Array.from(p.data as Float32Array));
    };
    const plain = run(false, 1);
    expect(run(true, 1)).toEqual(plain);
    expect(run(true, 2)).toEqual(run(false, 2));
    expect(run(true, 2, 'js')).toEqual(run(false, 2, 'js'));
  });
});
