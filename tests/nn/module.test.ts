import { describe, expect, test } from 'vitest';
import { Tensor } from '../../src/tensor/tensor.js';
import { zeros, ones, tensor, randn } from '../../src/tensor/create.js';
import { Module, StateDictError } from '../../src/nn/module.js';
import { setFreshBufferSource } from '../../src/tensor/buffer-pool.js';
import { heapTensorBuffers } from '../../src/backend/parallel/tensor-buffers.js';
import { getHeap } from '../../src/backend/index.js';
import { installHeapTensorBuffers } from '../../src/backend/runtime.js';

/** A module that registers in a deliberately mixed order: child, buffer, param, child, param. */
class Leaf extends Module {
  constructor(n: number) {
    super();
    this.param('weight', ones([n]));
    this.buffer('count', zeros([], { dtype: 'int32' }));
  }
  forward(x: Tensor): Tensor {
    return x;
  }
}
class Mixed extends Module {
  readonly a: Leaf;
  constructor() {
    super();
    this.a = this.child('a', new Leaf(2));
    this.buffer('running', zeros([3]));
    this.param('w', randn([3, 2]));
    this.child('b', new Leaf(4));
    this.param('bias', zeros([3]));
  }
  forward(x: Tensor): Tensor {
    return x;
  }
}

describe('Module registration and the state dict', () => {
  test('state dict order is PyTorch’s: own params, own buffers, then children recursively', () => {
    const m = new Mixed();
    expect([...m.stateDict().keys()]).toEqual(['w', 'bias', 'running', 'a.weight', 'a.count', 'b.weight', 'b.count']);
    expect(m.namedParameters().map(([k]) => k)).toEqual(['w', 'bias', 'a.weight', 'b.weight']);
    expect(m.namedBuffers().map(([k]) => k)).toEqual(['running', 'a.count', 'b.count']);
    expect([...m.namedModules()].map(([k]) => k)).toEqual(['', 'a', 'b']);
    expect(m.numParameters()).toBe(6 + 3 + 2 + 4);
    expect(m.parameters().every((p) => p.requiresGrad && p.isLeaf)).toBe(true);
  });

  test('a parameter shared by two modules is listed and counted once', () => {
    class Tied extends Module {
      constructor() {
        super();
        const l = new Leaf(5);
        this.child('x', l);
        const other = new (class extends Module {
          constructor() {
            super();
            this.param('weight', l.parameters()[0]);
          }
          forward(t: Tensor): Tensor {
            return t;
          }
        })();
        this.child('y', other);
      }
      forward(t: Tensor): Tensor {
        return t;
      }
    }
    const m = new Tied();
    expect(m.numParameters()).toBe(5);
    expect([...m.stateDict().keys()]).toEqual(['x.weight', 'x.count', 'y.weight']);
  });

  test('bad registrations are clear errors', () => {
    class Bad extends Module {
      constructor(kind: number) {
        super();
        if (kind === 0) this.param('a.b', zeros([1]));
        if (kind === 1) {
          this.param('w', zeros([1]));
          this.buffer('w', zeros([1]));
        }
        if (kind === 2) this.param('w', zeros([1], { dtype: 'int32' }));
      }
      forward(x: Tensor): Tensor {
        return x;
      }
    }
    expect(() => new Bad(0)).toThrow("Module.param: name 'a.b' must be letters, digits or '_' (no dots)");
    expect(() => new Bad(1)).toThrow("Module.buffer: 'w' is already registered on Bad");
    expect(() => new Bad(2)).toThrow("Module.param: parameter 'w' must be a float tensor, got int32");
  });

  test('loadStateDict copies values in place and casts float64 checkpoints into float32 tensors', () => {
    const m = new Mixed();
    const w = m.stateDict().get('w')!;
    const sd = new Map<string, Tensor>();
    for (const [k, t] of m.stateDict()) {
      sd.set(k, t.dtype === 'int32' ? tensor([7], [], { dtype: 'int32' }) : tensor(Float64Array.from(t.data, (_, i) => i + 0.5), t.shape));
    }
    m.loadStateDict(sd);
    expect(m.stateDict().get('w')).toBe(w);
    expect(w.dtype).toBe('float32');
    expect(Array.from(w.data)).toEqual([0.5, 1.5, 2.5, 3.5, 4.5, 5.5]);
    expect(m.stateDict().get('a.count')!.data[0]).toBe(7);
  });

  test('strict loadStateDict lists every missing, unexpected and size-mismatched key in one error, and copies nothing', () => {
    const m = new Mixed();
    const before = Array.from(m.stateDict().get('w')!.data);
    const sd = new Map(m.stateDict());
    sd.delete('a.weight');
    sd.delete('running');
    sd.set('extra.weight', zeros([1]));
    sd.set('b.weight', zeros([8]));
    sd.set('w', zeros([3, 2]));
    let err: unknown;
    try {
      m.loadStateDict(sd);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StateDictError);
    expect((err as Error).message).toBe(
      "loadStateDict: 4 problems: missing key 'running'; missing key 'a.weight'; unexpected key 'extra.weight'; " +
        "size mismatch for 'b.weight': checkpoint [8], model [4]",
    );
    expect(Array.from(m.stateDict().get('w')!.data)).toEqual(before);
  });

  test('non-strict loadStateDict returns missing and unexpected keys; a size mismatch still throws', () => {
    const m = new Mixed();
    const sd = new Map<string, Tensor>([['w', ones([3, 2])], ['zzz', ones([1])]]);
    const r = m.loadStateDict(sd, { strict: false });
    expect(r.unexpectedKeys).toEqual(['zzz']);
    expect(r.missingKeys).toEqual(['bias', 'running', 'a.weight', 'a.count', 'b.weight', 'b.count']);
    expect(Array.from(m.stateDict().get('w')!.data)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(() => m.loadStateDict({ bias: ones([2]) }, { strict: false })).toThrow(
      "loadStateDict: 1 problem: size mismatch for 'bias': checkpoint [2], model [3]",
    );
  });

  test('train()/eval() recurse and return the module; zeroGrad clears or zero-fills', () => {
    const m = new Mixed();
    expect(m.eval()).toBe(m);
    expect(m.modules().every((c) => !c.training)).toBe(true);
    expect(m.train()).toBe(m);
    expect(m.modules().every((c) => c.training)).toBe(true);
    const [p] = m.parameters();
    p.grad = ones(p.shape);
    m.zeroGrad(false);
    expect(Array.from(p.grad!.data)).toEqual([0, 0, 0, 0, 0, 0]);
    m.zeroGrad();
    expect(p.grad).toBeNull();
  });

  test('to(float64) converts params and float buffers in place, keeping the Tensor objects', () => {
    const m = new Mixed();
    const w = m.a.parameters()[0];
    m.to('float64');
    expect(w.dtype).toBe('float64');
    expect(w.data).toBeInstanceOf(Float64Array);
    expect(m.stateDict().get('a.count')!.dtype).toBe('int32');
    expect(m.stateDict().get('running')!.dtype).toBe('float64');
  });
});

describe('a model being built lets the fresh-buffer source get ready', () => {
  test('Module.param calls prepare() once per source, so the heap, its workers and kernels start before the first forward', () => {
    let calls = 0;
    setFreshBufferSource({ take: () => undefined, owns: () => false, serves: () => false, prepare: () => void calls++ });
    try {
      expect(calls).toBe(0);
      new Mixed();
      expect(calls).toBe(1);
      new Leaf(3);
      expect(calls).toBe(1);
      // a new source is prepared again (runtime.ts installs one per process; tests swap them)
      setFreshBufferSource({ take: () => undefined, owns: () => false, serves: () => false, prepare: () => void (calls += 10) });
      new Leaf(3);
      expect(calls).toBe(11);
    } finally {
      installHeapTensorBuffers();
    }
  });

  test('the heap source prepares the heap only where it serves tensors', () => {
    for (const serving of [false, true]) {
      let asked = 0;
      const source = heapTensorBuffers(() => (asked++, getHeap()), () => serving);
      source.prepare!();
      expect(asked).toBe(serving ? 1 : 0);
    }
  });
});
