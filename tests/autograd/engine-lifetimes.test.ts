/**
 * Tensor lifetimes on small Modules (src/autograd/lifetimes.ts, and what record() tells it), fast enough for the
 * mutation suite (vitest.stryker.config.ts; tests/autograd/lifetimes.test.ts adds the AMSUnet training loop): what a
 * forward releases when it ends, in training and under noGrad; saved and remade tensors; results that are arrays or
 * objects; forwardChain and releaseConsumed; BackwardMemory's keep, retainGraph and first gradient. Written to kill
 * the mutants of lifetimes.ts and record.ts the other fast suites let through (README, "Mutation score").
 *
 * The order of the tests matters: a backward({ recycle }) or a tidy() makes every later buffer come from the heap
 * (areLifetimesManaged), so the tests of the unmanaged process come first.
 */
import { describe, expect, test } from 'vitest';
import { Tensor } from '../../src/tensor/tensor.js';
import { randn } from '../../src/tensor/create.js';
import { Generator } from '../../src/tensor/rng.js';
import { add, mul, gelu, sum, matmul } from '../../src/ops/index.js';
import { noGrad, enableGrad } from '../../src/autograd/grad-mode.js';
import { record } from '../../src/autograd/record.js';
import { forwardChain, releaseConsumed } from '../../src/autograd/lifetimes.js';
import { MIN_ELEMENTS, areLifetimesManaged } from '../../src/tensor/buffer-pool.js';
import { Module } from '../../src/nn/module.js';
import { findCulprit } from '../../src/autograd/culprit.js';
import { getHeap, getBackend, setBackend } from '../../src/backend/index.js';

const N = MIN_ELEMENTS + 5; // big enough to be tracked and pooled
const f64 = (seed: number, n = N): Tensor => randn([n], { dtype: 'float64', generator: new Generator(seed) });
const data = (t: Tensor): number[] => Array.from(t.data);
/** float32: the dtype the wasm heap serves (float64 buffers are always plain arrays). */
const f32 = (seed: number): Tensor => randn([N], { generator: new Generator(seed) });

/** A Module around a function, with its tensors of interest stashed. */
class Fn extends Module {
  readonly stash: Tensor[] = [];
  constructor(private readonly fn: (x: Tensor, stash: Tensor[]) => unknown) {
    super();
  }
  forward(x: Tensor): Tensor {
    return this.fn(x, this.stash) as Tensor;
  }
}

/** y = k·x, stashing its output. */
class Scale extends Module {
  readonly outs: Tensor[] = [];
  constructor(private readonly k: number) {
    super();
  }
  forward(x: Tensor): Tensor {
    const y = mul(x, this.k);
    this.outs.push(y);
    return y;
  }
}

class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}

describe('an unmanaged process (no recycle, no tidy yet)', () => {
  test('the outermost forward returns a plain array, not a heap view; after a plain backward too', () => {
    const m = new Fn((x) => mul(x, 2));
    const first = noGrad(() => m.forward(f32(1)));
    expect(getHeap().contains(first.data)).toBe(false);
    const w = f64(2).requiresGrad_();
    sum(new Fn((x) => mul(x, w)).forward(f64(3))).backward(); // a plain backward leaves lifetimes unmanaged
    expect(areLifetimesManaged()).toBe(false);
    const out = noGrad(() => m.forward(f32(4)));
    expect(getHeap().contains(out.data)).toBe(false);
    expect(data(out)).toEqual(data(f32(4)).map((v) => Math.fround(2 * v)));
  });

  test('on the js backend the result keeps its numbers (its buffer is plain already)', () => {
    const prev = getBackend();
    try {
      setBackend('js');
      const out = noGrad(() => new Fn((x) => mul(x, 3)).forward(f32(5)));
      expect(data(out)).toEqual(data(f32(5)).map((v) => Math.fround(3 * v)));
    } finally {
      setBackend(prev);
    }
  });

  test('a backward that throws leaves the lifetime scopes as they were: a later top-level tensor is a plain array', () => {
    const x = f64(46).requiresGrad_();
    const y = record('fails', [x], noGrad(() => mul(x, 1)), () => {
      throw new Error('closure failed');
    });
    expect(() => sum(y).backward()).toThrow('closure failed');
    expect(getHeap().contains(mul(f32(47), 2).data)).toBe(false);
  });
});

describe('what a forward releases when it ends', () => {
  test('under noGrad: everything it made and did not return; the inner forward result once the outer ends', () => {
    const inner = new Scale(2);
    const outer = new Fn((x, stash) => {
      const h = inner.forward(x);
      stash.push(h);
      return add(h, 1);
    });
    const x = f64(6);
    const out = noGrad(() => outer.forward(x));
    expect(outer.stash[0].isReleased).toBe(true);
    expect([out.isReleased, x.isReleased]).toEqual([false, false]);
  });

  test('an input returned by an inner forward (identity) is not the outer forward’s to release', () => {
    const id = new Identity();
    const x = f64(7);
    const outer = new Fn((t) => add(id.forward(t), 1));
    noGrad(() => outer.forward(x));
    const made = f64(8);
    const outer2 = new Fn(() => add(id.forward(made), 1));
    noGrad(() => outer2.forward(f64(9)));
    expect([x.isReleased, made.isReleased]).toEqual([false, false]);
  });

  test('in training: an intermediate no backward reads (an operand of add) at once; one a closure reads, after backward', () => {
    const w = f64(10).requiresGrad_();
    let v: Tensor | null = null;
    let u: Tensor | null = null;
    // u = x + w is read by the closure of mul(u, w) (mul saves both factors); v = u + w only by add's, which reads
    // none (neither is an output mul or gelu could make again)
    const body = (x: Tensor, wt: Tensor): Tensor => {
      u = add(x, wt);
      v = add(u, wt);
      return add(mul(u, wt), v);
    };
    const loss = sum(new Fn((x) => body(x, w)).forward(f64(11)));
    expect([v!.isReleased, u!.isReleased]).toEqual([true, false]);
    loss.backward();
    expect(u!.isReleased).toBe(true);
    const wr = f64(10).requiresGrad_();
    sum(body(f64(11), wr)).backward(); // the same ops outside any Module
    expect(data(w.grad!)).toEqual(data(wr.grad!));
  });

  test('in training: an intermediate that needs no grad is left to the garbage collector (a closure may hold it)', () => {
    const w = f64(48).requiresGrad_();
    const m = new Fn((x, stash) => {
      const c = mul(x, 2); // no grad; add reads none of its inputs
      stash.push(c);
      return add(c, w);
    });
    sum(m.forward(f64(49))).backward();
    expect(m.stash[0].isReleased).toBe(false);
  });

  test('under noGrad the heap is handed back when the outermost forward ends: a smaller second call takes no new memory', () => {
    // sizes far above the other tests': the heap's high-water mark moves only for these
    const big = (n: number) => new Fn((x) => {
      let h = randn([n]);
      for (let i = 0; i < 4; i++) h = mul(add(h, x.data[0]), 1.5);
      return sum(h);
    });
    const touched = (): number => getHeap().usage().touchedBytes;
    noGrad(() => big(400 * N).forward(f32(50)));
    const afterFirst = touched();
    noGrad(() => big(300 * N).forward(f32(51)));
    expect(touched()).toBe(afterFirst);
  });

  test('in training: a closure recorded without `saved` keeps all its inputs readable', () => {
    const w = f64(12).requiresGrad_();
    const m = new Fn((x) => {
      const u = mul(x, w);
      // squares u; reads u in its backward, and says nothing of what it saves
      const sq = record('square', [u], noGrad(() => mul(u, u)), (gy) => [mul(gy, mul(u, 2))]);
      return add(sq, 0);
    });
    const x = f64(13);
    sum(m.forward(x)).backward();
    expect(data(w.grad!)).toEqual(data(x).map((xi, i) => 2 * (xi * w.data[i]) * xi));
  });

  test('in training: a big intermediate that needs no grad but a closure reads (x·W, W frozen) stays readable', () => {
    const W = randn([N, 1], { dtype: 'float64', generator: new Generator(14) }).requiresGrad_();
    const m = new Fn((x) => {
      const h = mul(x, 2); // no grad: x and 2 need none
      return matmul(h.reshape([1, N]), W); // [1, 1]; matmul reads h
    });
    const x = f64(15);
    sum(m.forward(x)).backward();
    expect(data(W.grad!)).toEqual(data(x).map((v) => 2 * v));
  });

  test('a forward under noGrad that records a graph (enableGrad inside) keeps what its closures read', () => {
    const w = f64(16).requiresGrad_();
    const m = new Fn((x) =>
      enableGrad(() => {
        const c = mul(x, 3); // no grad, read by the next closure
        return sum(mul(c, w));
      }),
    );
    const x = f64(17);
    noGrad(() => m.forward(x)).backward();
    expect(data(w.grad!)).toEqual(data(x).map((v) => 3 * v));
  });

  test('a parameter a forward makes (lazily) is never released, under noGrad or by releaseConsumed', () => {
    class Lazy extends Module {
      w: Tensor | null = null;
      forward(x: Tensor): Tensor {
        this.w ??= this.param('w', f64(18));
        releaseConsumed([this.w]);
        return mul(x, 1);
      }
    }
    const lazy = new Lazy();
    const outer = new Fn((x) => add(lazy.forward(x), 1));
    noGrad(() => outer.forward(f64(19)));
    expect(lazy.w!.isReleased).toBe(false);
  });

  test('a forward that throws leaves the scopes as they were: a later top-level tensor is not tracked or released', () => {
    const bad = new Fn((x) => {
      mul(x, 2);
      throw new Error('boom');
    });
    expect(() => noGrad(() => bad.forward(f64(20)))).toThrow('boom');
    const kept = mul(f32(21), 2); // made at top level: the user's
    noGrad(() => new Fn((x) => add(x, 1)).forward(f64(22)));
    expect(kept.isReleased).toBe(false);
    expect(getHeap().contains(kept.data)).toBe(false);
  });
});

describe('saved and remade tensors', () => {
  test('a gelu output read by the next closure is released with the forward, made again for backward, and the gradient is right', () => {
    const w = f64(23).requiresGrad_();
    const x = f64(24);
    let g: Tensor | null = null;
    const m = new Fn((t) => {
      g = gelu(gelu(mul(t, w))); // the outer gelu's input is an inner gelu output: both remade, the inner first
      return mul(g, w);
    });
    const loss = sum(m.forward(x));
    expect(g!.isReleased).toBe(true);
    loss.backward();
    const wr = f64(23).requiresGrad_();
    sum(mul(gelu(gelu(mul(x, wr))), wr)).backward(); // the same ops outside any Module: nothing released
    expect(data(w.grad!)).toEqual(data(wr.grad!));
  });

  test('a gelu output read by a closure recorded without `saved` is made again for it', () => {
    const w = f64(25).requiresGrad_();
    const x = f64(26);
    const m = new Fn((t) => {
      const g = gelu(mul(t, w));
      return record('sqr', [g], noGrad(() => mul(g, g)), (gy) => [mul(mul(gy, g), 2)]); // reads g
    });
    sum(m.forward(x)).backward();
    const wr = f64(25).requiresGrad_();
    const gr = gelu(mul(x, wr));
    sum(mul(gr, gr)).backward();
    expect(data(w.grad!)).toEqual(data(wr.grad!));
  });

  test('under the culprit search (a record observer) every node stays readable after the forward', () => {
    const w = f64(27).requiresGrad_();
    const m = new Fn((t) => mul(gelu(mul(t, w)), w));
    expect(findCulprit((t) => sum(m.forward(t)), [f64(28).requiresGrad_()], { eps: 1e-6, atol: 1e-5, rtol: 1e-3, seed: 1, label: (i) => `input ${i}`, wrt: [0], maxElements: 0 })).toBeNull();
  });
});

describe('results that are arrays, objects or no tensor', () => {
  class Many extends Module {
    readonly made: Tensor[] = [];
    constructor(private readonly shape: 'array' | 'object' | 'instance' | 'null' | 'undefined') {
      super();
    }
    forward(x: Tensor): Tensor {
      const a = mul(x, 2);
      const b = mul(x, 3);
      this.made.push(a, b);
      class Holder {
        constructor(readonly a: Tensor, readonly b: Tensor) {}
      }
      const r = { array: [a, 5, b], object: { a, n: 5, b }, instance: new Holder(a, b), null: null, undefined: undefined }[this.shape];
      return r as unknown as Tensor;
    }
  }

  test.each(['array', 'object'] as const)('the tensors of a returned %s are the caller’s', (shape) => {
    const m = new Many(shape);
    noGrad(() => m.forward(f64(29)));
    expect(m.made.map((t) => t.isReleased)).toEqual([false, false]);
    expect(data(m.made[1])).toEqual(data(f64(29)).map((v) => 3 * v));
  });

  test.each(['instance', 'null', 'undefined'] as const)('a returned %s holds no tensor of the forward’s: all it made is released', (shape) => {
    const m = new Many(shape);
    noGrad(() => m.forward(f64(30)));
    expect(m.made.map((t) => t.isReleased)).toEqual([true, true]);
  });
});

describe('forwardChain and releaseConsumed under noGrad', () => {
  test('a chain releases each intermediate once the next layer ran, never its input, nor a layer’s input returned as is', () => {
    const a = new Scale(2);
    const b = new Scale(3);
    const seen: boolean[] = [];
    const outer = new Fn((x) => {
      const h = mul(x, 1); // made here: the chain's input, read again below
      const y = forwardChain(h, [a, new Identity(), b]);
      seen.push(a.outs[a.outs.length - 1].isReleased, h.isReleased);
      return add(add(y, h), forwardChain(h, [b]));
    });
    const x = f64(31);
    const out = noGrad(() => outer.forward(x));
    expect(seen).toEqual([true, false]);
    expect(data(out)).toEqual(data(x).map((v) => 6 * v + v + 3 * v));
  });

  test('releaseConsumed frees the forward’s own tensors at once; not the caller’s input, not one that requires grad; nothing outside a forward', () => {
    const x = f64(32);
    const flags: boolean[] = [];
    const m = new Fn((t) => {
      const a = mul(t, 2);
      const r = noGrad(() => randn([N], { dtype: 'float64' })).requiresGrad_();
      releaseConsumed([a, t, r]);
      flags.push(a.isReleased, t.isReleased, r.isReleased);
      return mul(t, 1);
    });
    noGrad(() => m.forward(x));
    expect(flags).toEqual([true, false, false]);
    const top = mul(f64(33), 2);
    noGrad(() => releaseConsumed([top]));
    expect(top.isReleased).toBe(false);
  });

  test('in training releaseConsumed releases nothing: a closure may read what the forward consumed', () => {
    const w = f64(34).requiresGrad_();
    const m = new Fn((t) => {
      const c = mul(t, 2); // needs no grad; read by mul(c, w)'s closure
      const y = mul(c, w);
      releaseConsumed([c]);
      return y;
    });
    const x = f64(35);
    sum(m.forward(x)).backward();
    expect(data(w.grad!)).toEqual(data(x).map((v) => 2 * v));
  });
});

describe('BackwardMemory', () => {
  test('the first gradient a backward makes is released once consumed, like the others (an explicit seed: the closure’s comes first)', () => {
    const x = f64(36).requiresGrad_();
    let first: Tensor | null = null;
    const h = mul(x, 2);
    // the closure's gradient is the first tensor this backward makes (mul(gy, 3) would make a scalar tensor first)
    const y = record('scaled', [h], noGrad(() => mul(h, 3)), (gy) => [(first = new Tensor(Float64Array.from(gy.data, (v) => v * 3), gy.shape))]);
    y.backward(f64(37));
    expect(first!.isReleased).toBe(true);
    expect(data(x.grad!)).toEqual(data(f64(37)).map((v) => v * 3 * 2));
  });

  test('a plain backward releases no tensor made outside any forward', () => {
    const w = f64(38).requiresGrad_();
    const h = mul(f64(39), w);
    sum(mul(h, h)).backward();
    expect(h.isReleased).toBe(false);
  });

  test('with retainGraph a graph of Module intermediates runs twice', () => {
    const w = f64(40).requiresGrad_();
    const m = new Fn((x) => mul(gelu(mul(x, w)), w));
    const loss = sum(m.forward(f64(41)));
    loss.backward(undefined, { retainGraph: true });
    const once = data(w.grad!);
    loss.backward();
    expect(data(w.grad!)).toEqual(once.map((v) => v + v));
  });

  test('recycle and retainGraph together are refused, naming the shape', () => {
    const loss = sum(mul(f64(42).requiresGrad_(), 2));
    expect(() => loss.backward(undefined, { recycle: true, retainGraph: true })).toThrow(
      'backward: recycle and retainGraph cannot be combined (recycle frees the tensors the graph needs); tensor []',
    );
  });

  test('recycle releases the intermediates but the root and keep; from then on lifetimes are managed', () => {
    const w = f64(43).requiresGrad_();
    const h = mul(f64(44), w);
    const k = mul(h, 2);
    const loss = sum(mul(k, w));
    loss.backward(undefined, { recycle: { keep: [k] } });
    expect([h.isReleased, k.isReleased, loss.isReleased]).toEqual([true, false, false]);
    expect(areLifetimesManaged()).toBe(true);
    const out = noGrad(() => new Fn((x) => mul(x, 2)).forward(f32(45)));
    expect(getHeap().contains(out.data)).toBe(getBackend() === 'wasm'); // a heap view, where buffers come from the heap
  });
});
