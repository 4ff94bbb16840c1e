/**
 * Automatic tensor lifetimes (src/autograd/lifetimes.ts): every Module forward is a scope; the big tensors it makes
 * and does not return are released when it ends (under noGrad) or once backward has used them (training).
 * What must hold: gradients bit-identical to the same ops run outside any Module (where nothing is released);
 * released tensors throw when read; what the user can reach (the result, inputs, parameters, buffers, .grad, tensors
 * made outside any forward) is never released; a plain training loop makes no new buffer in steady state.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Tensor } from '../../src/tensor/tensor.js';
import { randn, randint, zeros } from '../../src/tensor/create.js';
import { Generator } from '../../src/tensor/rng.js';
import { add, mul, exp, gelu, sum, sigmoid } from '../../src/ops/index.js';
import { noGrad } from '../../src/autograd/grad-mode.js';
import { MIN_ELEMENTS, bufferPoolStats, clearBufferPool, resetBufferPoolStats } from '../../src/tensor/buffer-pool.js';
import { Module } from '../../src/nn/module.js';
import { AMSUnet } from '../../src/models/amsunet/amsunet.js';
import { amsunetCriterion } from '../../src/nn/losses.js';
import { AdamW } from '../../src/optim/adamw.js';
import { getHeap } from '../../src/backend/index.js';

const N = MIN_ELEMENTS + 5; // big enough to be tracked and pooled

beforeEach(() => {
  clearBufferPool();
  resetBufferPoolStats();
});

/** y = Σ (gelu(x·w + b) · sigmoid(x) + exp(x·w)) built from the ops `steps` times over; stashes its intermediates. */
function body(x: Tensor, w: Tensor, b: Tensor, steps: number, stash: Tensor[]): Tensor {
  let h = x;
  for (let i = 0; i < steps; i++) {
    const u = add(mul(h, w), b);
    const v = mul(gelu(u), sigmoid(h));
    stash.push(u, v);
    h = add(v, exp(mul(u, 0.1)));
  }
  return h;
}

class Block extends Module {
  readonly w: Tensor;
  readonly b: Tensor;
  readonly stash: Tensor[] = [];
  constructor(n: number, seed: number, dtype: 'float32' | 'float64', readonly steps: number) {
    super();
    const g = new Generator(seed);
    this.w = this.param('w', randn([n], { generator: g, dtype }));
    this.b = this.param('b', randn([n], { generator: g, dtype }));
    this.buffer('count', zeros([n], { dtype }));
  }
  forward(x: Tensor): Tensor {
    return body(x, this.w, this.b, this.steps, this.stash);
  }
}

/** Two Blocks in a row: what the first returns is an intermediate of the outer forward. */
class Net extends Module {
  readonly a: Block;
  readonly c: Block;
  constructor(n: number, seed: number, dtype: 'float32' | 'float64', steps: number) {
    super();
    this.a = this.child('a', new Block(n, seed, dtype, steps));
    this.c = this.child('c', new Block(n, seed + 1, dtype, steps));
  }
  forward(x: Tensor): Tensor {
    return this.c.forward(this.a.forward(x));
  }
}

describe('automatic lifetimes in training', () => {
  it('gradients are bit-identical to the same ops outside any Module (nothing released there), over random sizes and seeds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 3 }), fc.constantFrom('float32' as const, 'float64' as const), fc.integer({ min: 0, max: 1e6 }), (extra, steps, dtype, seed) => {
        const n = MIN_ELEMENTS + extra;
        const x = randn([n], { generator: new Generator(seed + 7), dtype }).requiresGrad_();
        const net = new Net(n, seed, dtype, steps);
        sum(net.forward(x)).backward();
        const got = [x, ...net.parameters()].map((t) => Array.from(t.grad!.data));
        // the reference: the same ops, called directly
        const xr = randn([n], { generator: new Generator(seed + 7), dtype }).requiresGrad_();
        const ref = new Net(n, seed, dtype, steps);
        const scratch: Tensor[] = [];
        sum(body(body(xr, ref.a.w, ref.a.b, steps, scratch), ref.c.w, ref.c.b, steps, scratch)).backward();
        expect(scratch.every((t) => !t.isReleased)).toBe(true);
        expect(got).toEqual([xr, ...ref.parameters()].map((t) => Array.from(t.grad!.data)));
        // and the intermediates of the forward were released by backward once used
        expect(net.a.stash.concat(net.c.stash).every((t) => t.isReleased)).toBe(true);
      }),
      { numRuns: 12 },
    );
  });

  it('a released intermediate throws when read, naming what happened', () => {
    const net = new Net(N, 1, 'float32', 1);
    sum(net.forward(randn([N]))).backward();
    expect(() => net.a.stash[0].data).toThrow(/its data was released/);
  });

  it('never releases the result, the input, parameters, buffers, .grad, or tensors made outside any forward', () => {
    const net = new Net(N, 2, 'float32', 2);
    const x = randn([N]).requiresGrad_();
    const out = net.forward(x);
    const outside = mul(out, 2); // user code
    sum(outside).backward();
    const reachable = [out, outside, x, x.grad!, ...net.parameters(), ...net.buffers(), ...net.parameters().map((p) => p.grad!)];
    expect(reachable.every((t) => !t.isReleased)).toBe(true);
    expect(out.data.length).toBe(N);
  });

  it('an intermediate no backward reads (v, an operand of a sum) is released when the forward ends; u, which gelu reads, when backward is done with it', () => {
    const net = new Block(N, 3, 'float64', 2);
    const x = randn([N], { dtype: 'float64' }).requiresGrad_();
    const loss = sum(net.forward(x));
    const [u0, v0, u1] = net.stash;
    expect([v0.isReleased, u0.isReleased, u1.isReleased]).toEqual([true, false, false]);
    loss.backward();
    expect([u0.isReleased, u1.isReleased]).toEqual([true, true]);
  });

  it('with retainGraph backward releases nothing and runs twice, accumulating the same gradient', () => {
    const net = new Block(N, 3, 'float64', 2);
    const x = randn([N], { dtype: 'float64' }).requiresGrad_();
    const loss = sum(net.forward(x));
    const kept = net.stash.filter((t) => !t.isReleased); // what some backward reads (see the test above)
    expect(kept.length).toBe(2);
    loss.backward(undefined, { retainGraph: true });
    const once = Array.from(x.grad!.data);
    expect(kept.every((t) => !t.isReleased)).toBe(true);
    loss.backward();
    expect(Array.from(x.grad!.data)).toEqual(once.map((v) => v + v));
  });
});

describe('automatic lifetimes in inference (noGrad)', () => {
  it('what a forward makes and does not return is released when it ends; the result equals the plain ops', () => {
    const net = new Net(N, 4, 'float32', 2);
    const x = randn([N]);
    const out = noGrad(() => net.forward(x));
    expect(net.a.stash.length).toBeGreaterThan(0);
    expect(net.a.stash.concat(net.c.stash).every((t) => t.isReleased)).toBe(true);
    const scratch: Tensor[] = [];
    const ref = noGrad(() => body(body(x, net.a.w, net.a.b, 2, scratch), net.c.w, net.c.b, 2, scratch));
    expect(Array.from(out.data)).toEqual(Array.from(ref.data));
    expect([x, ...net.parameters(), ...net.buffers()].every((t) => !t.isReleased)).toBe(true);
  });

  it('a second forward reuses the first one’s buffers and its result is a plain array the GC can take', () => {
    const net = new Net(N, 5, 'float32', 2);
    const x = randn([N]);
    noGrad(() => net.forward(x));
    resetBufferPoolStats();
    const out = noGrad(() => net.forward(x));
    expect(bufferPoolStats()).toMatchObject({ missed: 0 });
    expect(bufferPoolStats().reused).toBeGreaterThan(5);
    expect(getHeap().contains(out.data)).toBe(false);
  });
});

describe('a plain PyTorch-style training loop (no recycle, no tidy)', () => {
  it('gives the same weights as the recycle loop, and after the first step makes no new buffer and grows no heap', () => {
    const run = (recycle: boolean): Float32Array[] => {
      const g = new Generator(3);
      const model = new AMSUnet({ inChannels: 3, numClasses: 2, baseC: 4, generator: g }).train();
      const opt = new AdamW(model.parameters(), { lr: 1e-3 });
      const x = randn([2, 3, 64, 64], { generator: g });
      const y = randint(0, 2, [2, 64, 64], { generator: g });
      let heapAfterFirst = 0;
      for (let step = 0; step < 3; step++) {
        resetBufferPoolStats();
        opt.zeroGrad();
        const loss = amsunetCriterion(model.forward(x), y);
        if (recycle) loss.backward(undefined, { recycle: true });
        else loss.backward();
        opt.step();
        if (step === 0) heapAfterFirst = getHeap().usage().inUseBytes;
        if (!recycle && step >= 1) {
          expect(bufferPoolStats()).toMatchObject({ missed: 0 });
          expect(bufferPoolStats().reused).toBeGreaterThan(50);
          expect(getHeap().usage().inUseBytes).toBe(heapAfterFirst);
        }
      }
      return model.parameters().map((p) => Float32Array.from(p.data as Float32Array));
    };
    const plain = run(false);
    clearBufferPool();
    expect(run(true)).toEqual(plain);
  });
});
