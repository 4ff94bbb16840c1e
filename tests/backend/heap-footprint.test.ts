/**
 * How much memory an inference forward touches (issue 11: a 512² AMSUnet forward took 4.4 GB, twice and more its
 * live set). Three mechanisms, each tested here:
 *  - the heap merges free regions and splits the best fit before its top moves (src/backend/parallel/heap.ts);
 *  - under inference, the buffer pool hands its heap views back before the heap grows, and all of them when the
 *    outermost forward ends (src/tensor/buffer-pool.ts), so one call's stages share memory and every call places its
 *    buffers alike;
 *  - chains of layers release each intermediate once the next layer has run (forwardChain in autograd/lifetimes.ts).
 */
import { describe, expect, it } from 'vitest';
import { SharedHeap } from '../../src/backend/parallel/heap.js';
import { getHeap } from '../../src/backend/index.js';
import { randn } from '../../src/tensor/create.js';
import { Generator } from '../../src/tensor/rng.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { MIN_ELEMENTS } from '../../src/tensor/buffer-pool.js';
import { noGrad } from '../../src/autograd/grad-mode.js';
import { forwardChain, releaseConsumed } from '../../src/autograd/lifetimes.js';
import { Module } from '../../src/nn/module.js';
import { smallInferenceCase } from '../helpers/inference-heap.js';
import { add, mul, sigmoid } from '../../src/ops/index.js';

describe('an AMSUnet inference forward (wasm heap)', () => {
  // first in the file: the heap's high-water mark is this process's
  it('touches at most 8 of its largest activation in heap regions, and the same again on later calls', () => {
    const { model, x, largest } = smallInferenceCase();
    const first = noGrad(() => model.forward(x));
    const touched = getHeap().usage().touchedBytes;
    // before: the pool kept every released view by its exact length, and the heap grew to 13x
    expect(touched).toBeLessThanOrEqual(8 * largest);
    expect(getHeap().usage().peakInUseBytes).toBeLessThanOrEqual(touched);
    for (let i = 0; i < 3; i++) expect(noGrad(() => model.forward(x)).data).toEqual(first.data);
    expect(getHeap().usage().touchedBytes).toBeLessThanOrEqual(1.1 * touched);
  });
});

describe('heap regions: merged and split before the top moves', () => {
  const mb = 1 << 20;

  it('two freed neighbours serve one request of their joint size, without growing', () => {
    const heap = new SharedHeap({ slots: 1, slotBytes: 64 });
    const a = heap.allocRegion(mb), b = heap.allocRegion(3 * mb), c = heap.allocRegion(mb);
    heap.freeRegion(a, mb);
    heap.freeRegion(b, 3 * mb);
    const touched = heap.usage().touchedBytes;
    expect(heap.allocRegion(4 * mb)).toBe(a);
    expect(heap.usage().touchedBytes).toBe(touched);
    expect(heap.usage().inUseBytes).toBe(5 * mb);
    heap.freeRegion(c, mb); // ends at the top: the top comes down over it
    expect(heap.allocRegion(2 * mb)).toBe(c);
    expect(heap.usage().touchedBytes).toBe(touched + mb);
  });

  it('a request smaller than every free region takes the smallest that fits and leaves the rest free', () => {
    const heap = new SharedHeap({ slots: 1, slotBytes: 64 });
    const big = heap.allocRegion(8 * mb), sep1 = heap.allocRegion(64), small = heap.allocRegion(2 * mb);
    heap.allocRegion(64); // keeps `small` off the top
    heap.freeRegion(big, 8 * mb);
    heap.freeRegion(small, 2 * mb);
    expect(heap.allocRegion(mb)).toBe(small);
    expect(heap.allocRegion(mb)).toBe(small + mb); // the rest of it
    expect(heap.allocRegion(mb)).toBe(big);
    expect(sep1).toBe(big + 8 * mb);
  });

  it('asks its pressure handler before the top moves up, never when a free region fits', () => {
    const heap = new SharedHeap({ slots: 1, slotBytes: 64 });
    const held: number[] = [];
    let calls = 0;
    heap.onPressure = () => {
      calls++;
      for (const at of held.splice(0)) heap.freeRegion(at, mb);
    };
    const a1 = heap.allocRegion(mb), a2 = heap.allocRegion(mb); // nothing free, nothing held: the top moves
    held.push(a1, a2);
    expect(calls).toBe(2);
    const touched = heap.usage().touchedBytes;
    expect(heap.allocRegion(2 * mb)).toBe(a1); // the handler frees both; merged, they serve the request
    expect(calls).toBe(3);
    expect(heap.usage().touchedBytes).toBe(touched);
    const r = heap.allocRegion(64);
    heap.freeRegion(r, 64);
    heap.allocRegion(64);
    expect(calls).toBe(4); // the 64 came from the top (none free); its reuse did not ask
  });

  it('rejects a region freed twice', () => {
    const heap = new SharedHeap({ slots: 1, slotBytes: 64 });
    const a = heap.allocRegion(mb);
    heap.allocRegion(mb);
    heap.freeRegion(a, mb);
    heap.freeRegion(a, mb);
    expect(() => heap.allocRegion(3 * mb)).toThrow(/freed twice/);
  });
});

/** A layer whose backward reads its output. */
class Sig extends Module {
  forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}

/** A layer that returns x + 1 (a new tensor), or x itself. */
class Step extends Module {
  constructor(readonly identity = false) {
    super();
  }
  forward(x: Tensor): Tensor {
    return this.identity ? x : add(x, 1);
  }
}

class Chain extends Module {
  seen: Tensor[] = [];
  constructor(readonly layers: Module[]) {
    super();
  }
  forward(x: Tensor): Tensor {
    const spy = this.layers.map((l) => ({ forward: (t: Tensor) => (this.seen.push(t), l.forward(t)) }));
    return forwardChain(x, spy);
  }
}

describe('forwardChain and releaseConsumed', () => {
  const n = MIN_ELEMENTS;

  it('under noGrad, each intermediate is released once the next layer ran; the input and the result never', () => {
    const net = new Chain([new Step(), new Step(true), new Step(), new Step()]);
    const x = randn([n]);
    const y = noGrad(() => net.forward(x));
    expect(y.data[0]).toBeCloseTo(x.data[0] + 3, 5);
    const [input, h1, h1again, h2] = net.seen;
    expect(input).toBe(x);
    expect(h1again).toBe(h1); // the identity layer returned its input: kept until the layer after it ran
    expect(h1.isReleased).toBe(true);
    expect(h2.isReleased).toBe(true);
    expect(x.isReleased).toBe(false);
    expect(y.isReleased).toBe(false);
  });

  it('with grad enabled the chain releases nothing a backward reads (sigmoid reads its output) until backward ran', () => {
    const net = new Chain([new Sig(), new Sig(), new Sig()]);
    const x = randn([n], { generator: new Generator(2) }).requiresGrad_(true);
    const y = net.forward(x);
    expect(net.seen.some((t) => t.isReleased)).toBe(false);
    y.sum().backward();
    const xr = randn([n], { generator: new Generator(2) }).requiresGrad_(true);
    sigmoid(sigmoid(sigmoid(xr))).sum().backward(); // outside any Module
    expect(Array.from(x.grad!.data)).toEqual(Array.from(xr.grad!.data));
  });

  it('with grad enabled, intermediates no backward reads (x + 1) are released when the forward ends', () => {
    const net = new Chain([new Step(), new Step(), new Step()]);
    const x = randn([n]).requiresGrad_(true);
    const y = net.forward(x);
    expect(net.seen.slice(1).every((t) => t.isReleased)).toBe(true);
    y.sum().backward();
    expect(Array.from(x.grad!.data.subarray(0, 3))).toEqual([1, 1, 1]);
  });

  it('releaseConsumed releases only the calling forward’s own tensors, and only under noGrad', () => {
    const outside = randn([n]);
    let mine: Tensor | null = null;
    class M extends Module {
      forward(x: Tensor): Tensor {
        mine = mul(x, 2);
        const out = add(mine, 1);
        releaseConsumed([mine, x, outside]);
        return out;
      }
    }
    const m = new M();
    noGrad(() => m.forward(outside));
    expect(mine!.isReleased).toBe(true);
    expect(outside.isReleased).toBe(false);
    m.forward(outside);
    expect(mine!.isReleased).toBe(false); // grad enabled: a graph may hold it
  });
});
