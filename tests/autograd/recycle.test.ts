/**
 * The buffer pool and the two ways buffers come back to it: backward({ recycle }) and tidy().
 * What must hold: the numbers are bit-identical with and without recycling; a released tensor throws when read
 * (never shows another tensor's numbers); nothing the caller can still reach is recycled (root, keep, leaves and
 * their .grad, the caller's seed gradient, tensors sharing a buffer); recycled buffers come back zero-filled.
 */
import { describe, expect, it, beforeEach } from 'vitest';
import fc from 'fast-check';
import { Tensor } from '../../src/tensor/tensor.js';
import { allocArray } from '../../src/tensor/dtype.js';
import { randn, randint, tensor } from '../../src/tensor/create.js';
import { Generator } from '../../src/tensor/rng.js';
import { add, mul, sum, reshape, exp, gelu } from '../../src/ops/index.js';
import { noGrad } from '../../src/autograd/grad-mode.js';
import { tidy } from '../../src/autograd/tidy.js';
import {
  MIN_ELEMENTS, bufferPoolStats, clearBufferPool, resetBufferPoolStats, setBufferPoolLimit, takeBuffer, giveBuffer,
} from '../../src/tensor/buffer-pool.js';
import { AMSUnet } from '../../src/models/amsunet/amsunet.js';
import { amsunetCriterion } from '../../src/nn/losses.js';
import { AdamW } from '../../src/optim/adamw.js';

const N = MIN_ELEMENTS + 3; // big enough to be pooled

beforeEach(() => {
  clearBufferPool();
  resetBufferPoolStats();
  setBufferPoolLimit(4 * 1024 ** 3);
});

function leaf(n: number, seed: number, dtype: 'float32' | 'float64' = 'float64'): Tensor {
  return randn([n], { generator: new Generator(seed), dtype }).requiresGrad_();
}

describe('buffer pool', () => {
  it('hands back a released buffer of the same dtype and length, zero-filled', () => {
    const t = new Tensor(allocArray('float32', N), [N]);
    const buf = t.data;
    buf.fill(7);
    t.release();
    expect(bufferPoolStats().heldBytes).toBe(4 * N);
    expect(takeBuffer('float64', N)).toBeUndefined(); // other dtype
    expect(takeBuffer('float32', N + 1)).toBeUndefined(); // other length
    const again = allocArray('float32', N);
    expect(again).toBe(buf);
    expect(again.every((v) => v === 0)).toBe(true);
    expect(bufferPoolStats().reused).toBe(1);
  });

  it('does not pool small arrays, views, or buffers two tensors share', () => {
    const small = new Tensor(new Float32Array(MIN_ELEMENTS - 1), [MIN_ELEMENTS - 1]);
    small.release();
    const big = new Float32Array(2 * N);
    const view = new Tensor(big.subarray(0, N), [N]);
    view.release();
    const a = new Tensor(new Float32Array(N), [N]);
    const b = new Tensor(a.data, [1, N]); // a second tensor over the same buffer
    a.release();
    expect(b.data.length).toBe(N); // still readable
    expect(bufferPoolStats().heldBytes).toBe(0);
  });

  it('keeps at most the limit, and clearing empties it', () => {
    setBufferPoolLimit(4 * N * 2);
    for (let i = 0; i < 3; i++) new Tensor(new Float32Array(N), [N]).release();
    expect(bufferPoolStats()).toMatchObject({ heldBytes: 8 * N, released: 3, dropped: 1 });
    clearBufferPool();
    expect(bufferPoolStats().heldBytes).toBe(0);
    expect(() => setBufferPoolLimit(-1)).toThrow(/setBufferPoolLimit: bytes must be a finite number >= 0, got -1/);
  });

  it('a buffer given back twice is pooled once (the second release of a tensor does nothing)', () => {
    const t = new Tensor(new Float32Array(N), [N]);
    t.release();
    t.release();
    expect(bufferPoolStats().released).toBe(1);
    const x = allocArray('float32', N), y = allocArray('float32', N);
    expect(x).not.toBe(y);
    giveBuffer(new Float32Array(N)); // an array no tensor ever owned may be pooled too
    expect(bufferPoolStats().heldBytes).toBe(4 * N);
  });

  it('reading a released tensor throws, naming what happened', () => {
    const t = new Tensor(new Float32Array(N), [N]);
    t.release();
    expect(t.isReleased).toBe(true);
    expect(() => t.data).toThrow(/tensor: its data was released.*backward\(\{ recycle: true \}\).*tidy\(\).*\[16387\]/);
    expect(() => add(t, 1)).toThrow(/released/);
  });
});

/** Loss over a graph where gradients pass through adds to several inputs, are reused, and leaves appear twice. */
function lossOf(a: Tensor, b: Tensor): { loss: Tensor; mid: Tensor; view: Tensor } {
  const s = add(a, b); //              add hands the same gradient tensor to both inputs
  const mid = mul(s, add(a, a)); //    a used three times
  const view = reshape(exp(mul(mid, 0.01)), [1, a.size]); // a view of an intermediate
  const loss = sum(add(mul(gelu(view), b), mid));
  return { loss, mid, view };
}

describe('backward({ recycle: true })', () => {
  it('gives bit-identical gradients to a plain backward, over random sizes and seeds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 * MIN_ELEMENTS }), fc.integer({ min: 0, max: 1000 }), fc.constantFrom('float32' as const, 'float64' as const), (n, seed, dtype) => {
        const [a1, b1] = [leaf(n, seed, dtype), leaf(n, seed + 1, dtype)];
        lossOf(a1, b1).loss.backward();
        const [a2, b2] = [leaf(n, seed, dtype), leaf(n, seed + 1, dtype)];
        lossOf(a2, b2).loss.backward(undefined, { recycle: true });
        expect(a2.grad!.data).toEqual(a1.grad!.data);
        expect(b2.grad!.data).toEqual(b1.grad!.data);
        // and again, with the pool now holding the first run's buffers (reused, zero-filled)
        const [a3, b3] = [leaf(n, seed, dtype), leaf(n, seed + 1, dtype)];
        lossOf(a3, b3).loss.backward(undefined, { recycle: true });
        expect(a3.grad!.data).toEqual(a1.grad!.data);
        expect(b3.grad!.data).toEqual(b1.grad!.data);
      }),
      { numRuns: 12, seed: 7 },
    );
  });

  it('releases the intermediates, keeps the root, keep[], the leaves and their grads', () => {
    const a = leaf(N, 1), b = leaf(N, 2);
    const { loss, mid, view } = lossOf(a, b);
    loss.backward(undefined, { recycle: { keep: [view] } });
    expect(() => mid.data).toThrow(/released/);
    expect(view.data.length).toBe(N);
    expect(Number.isFinite(loss.item())).toBe(true);
    expect(a.data.length + b.data.length + a.grad!.data.length + b.grad!.data.length).toBe(4 * N);
    expect(bufferPoolStats().released).toBeGreaterThan(0);
  });

  it('a kept tensor keeps its numbers while the pool hands buffers out again', () => {
    const a = leaf(N, 3), b = leaf(N, 4);
    const { loss, view } = lossOf(a, b);
    const before = Float64Array.from(view.data);
    loss.backward(undefined, { recycle: { keep: [view] } });
    for (let i = 0; i < 20; i++) allocArray('float64', N).fill(-1); // take (and scribble on) everything pooled
    expect(view.data).toEqual(before);
  });

  it('never recycles the gradient the caller passed in', () => {
    const a = leaf(N, 5);
    const y = mul(a, 3);
    const g = randn([N], { generator: new Generator(9), dtype: 'float64' });
    const copy = Float64Array.from(g.data);
    y.backward(g, { recycle: true });
    expect(g.data).toEqual(copy);
    expect(a.grad!.data).toEqual(copy.map((v) => 3 * v));
  });

  it('refuses recycle together with retainGraph', () => {
    const a = leaf(4, 6);
    expect(() => sum(mul(a, a)).backward(undefined, { recycle: true, retainGraph: true })).toThrow(
      /backward: recycle and retainGraph cannot be combined/,
    );
  });

  it('three AMSUnet training steps: the same weights with and without recycling; after the first, no new buffers', () => {
    const run = (recycle: boolean): Float32Array[] => {
      const g = new Generator(3);
      const model = new AMSUnet({ inChannels: 3, numClasses: 2, baseC: 4, generator: g }).train();
      const opt = new AdamW(model.parameters(), { lr: 1e-3 });
      const x = randn([2, 3, 64, 64], { generator: g });
      const y = randint(0, 2, [2, 64, 64], { generator: g });
      for (let step = 0; step < 3; step++) {
        resetBufferPoolStats();
        opt.zeroGrad();
        amsunetCriterion(model.forward(x), y).backward(undefined, recycle ? { recycle: true } : undefined);
        opt.step();
        // steady state: every buffer of pool size this step needs comes from the pool, none is new
        if (recycle && step >= 1) expect(bufferPoolStats()).toMatchObject({ missed: 0, reused: expect.any(Number) });
        if (recycle && step >= 1) expect(bufferPoolStats().reused).toBeGreaterThan(50);
      }
      return model.parameters().map((p) => Float32Array.from(p.data as Float32Array));
    };
    const plain = run(false);
    clearBufferPool();
    expect(run(true)).toEqual(plain);
  });
});

describe('tidy', () => {
  it('releases what fn created, except what it returns; the numbers are unchanged', () => {
    const x = tensor(Array.from({ length: N }, (_, i) => i / N));
    const inner: Tensor[] = [];
    const out = tidy(() => {
      const h = exp(x);
      inner.push(h);
      return mul(h, 2);
    });
    expect(() => inner[0].data).toThrow(/released/);
    expect(out.data[5]).toBe(Math.fround(2 * Math.fround(Math.exp(Math.fround(5 / N)))));
    expect(x.data.length).toBe(N); // created outside: untouched
  });

  it('keeps tensors in a returned array or object, and tensors that require grad', () => {
    const x = tensor(new Array(N).fill(1));
    const w = leaf(N, 1, 'float32');
    const made: Tensor[] = [];
    const r = tidy(() => {
      const p = randn([N]).requiresGrad_(); // like a parameter built inside
      made.push(p);
      const y = mul(x, w); // requires grad: part of a graph
      made.push(y);
      return { a: exp(x), b: [mul(x, 3)] as unknown };
    });
    expect(r.a.data[0]).toBeCloseTo(Math.E, 5);
    expect(made.every((t) => !t.isReleased)).toBe(true);
    expect(() => (r.b as Tensor[])[0].data).toThrow(/released/); // only one level deep
  });

  it('nests: what the inner scope returns belongs to the outer one', () => {
    const x = tensor(new Array(N).fill(0.5));
    let innerResult: Tensor | null = null;
    const out = tidy(() => {
      innerResult = tidy(() => exp(x));
      return mul(innerResult, 1);
    });
    expect(innerResult!.isReleased).toBe(true);
    expect(out.data[0]).toBeCloseTo(Math.exp(0.5), 6);
  });

  it('a model forward inside tidy gives the same logits, and a second call reuses the first call’s buffers', () => {
    const g = new Generator(2);
    const model = new AMSUnet({ inChannels: 3, numClasses: 2, baseC: 4, generator: g }).eval();
    const x = randn([1, 3, 64, 64], { generator: g });
    const plain = noGrad(() => model.forward(x)).data;
    const first = tidy(() => noGrad(() => model.forward(x)));
    expect(first.data).toEqual(plain);
    resetBufferPoolStats();
    const second = tidy(() => noGrad(() => model.forward(x)));
    expect(second.data).toEqual(plain);
    expect(bufferPoolStats().reused).toBeGreaterThan(10);
  });
});
