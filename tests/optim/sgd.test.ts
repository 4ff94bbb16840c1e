import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { tensor, randn } from '../../src/tensor/create.js';
import { Generator } from '../../src/tensor/rng.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { SGD } from '../../src/optim/sgd.js';
import { AdamW } from '../../src/optim/adamw.js';
import { Adam } from '../../src/optim/adam.js';
import type { OptimizerLike } from '../../src/optim/optimizer.js';

/** PyTorch's SGD written out with plain arrays: the oracle. */
function sgdReference(p: number[], grads: number[][], o: { lr: number; momentum: number; dampening: number; weightDecay: number; nesterov: boolean }): number[] {
  const x = [...p];
  let buf: number[] | null = null;
  for (const g0 of grads) {
    const g = g0.map((v, i) => v + o.weightDecay * x[i]);
    let d = g;
    if (o.momentum !== 0) {
      buf = buf === null ? [...g] : buf.map((b, i) => o.momentum * b + (1 - o.dampening) * g[i]);
      d = o.nesterov ? g.map((v, i) => v + o.momentum * buf![i]) : buf;
    }
    for (let i = 0; i < x.length; i++) x[i] -= o.lr * d[i];
  }
  return x;
}

describe('SGD', () => {
  test('matches the PyTorch formulas for momentum, dampening, nesterov and weight decay', () => {
    fc.assert(
      fc.property(
        fc.record({
          lr: fc.double({ min: 1e-3, max: 1, noNaN: true }),
          momentum: fc.constantFrom(0, 0.5, 0.9),
          dampening: fc.constantFrom(0, 0.1),
          weightDecay: fc.constantFrom(0, 1e-2),
          nesterov: fc.boolean(),
        }),
        fc.nat(1000),
        (o, seed) => {
          if (o.nesterov && (o.momentum === 0 || o.dampening !== 0)) return;
          const g = new Generator(seed);
          const p0 = Array.from(randn([5], { dtype: 'float64', generator: g }).data);
          const grads = [0, 1, 2].map(() => Array.from(randn([5], { dtype: 'float64', generator: g }).data));
          const p = tensor(p0, [5], { dtype: 'float64', requiresGrad: true });
          const opt = new SGD([p], o);
          for (const gr of grads) {
            p.grad = tensor(gr, [5], { dtype: 'float64' });
            opt.step();
          }
          const ref = sgdReference(p0, grads, o);
          for (let i = 0; i < 5; i++) expect(p.data[i]).toBeCloseTo(ref[i], 14);
        },
      ),
      { numRuns: 60, seed: 7 },
    );
  });

  test('nesterov without momentum is rejected', () => {
    expect(() => new SGD([randn([1], { requiresGrad: true })], { lr: 0.1, nesterov: true })).toThrow(
      'SGD: nesterov momentum requires momentum > 0 and dampening = 0',
    );
  });

  test('parameters without a gradient are skipped and get no state', () => {
    const a = randn([2], { requiresGrad: true });
    const b = randn([2], { requiresGrad: true });
    const before = Array.from(b.data);
    const opt = new SGD([a, b], { lr: 0.1, momentum: 0.9 });
    a.grad = randn([2]);
    opt.step();
    expect(Array.from(b.data)).toEqual(before);
    expect(opt.state.has(b)).toBe(false);
  });
});

describe('optimizer state save/restore', () => {
  const cases: [string, (ps: Tensor[]) => OptimizerLike][] = [
    ['SGD', (ps) => new SGD(ps, { lr: 0.05, momentum: 0.9, nesterov: true })],
    ['Adam', (ps) => new Adam(ps, { lr: 0.01, amsgrad: true, weightDecay: 1e-3 })],
    ['AdamW', (ps) => new AdamW(ps, { lr: 0.01 })],
  ];
  test.each(cases)('%s: restoring a state dict mid-run continues bit-identically', (_name, make) => {
    const init = [randn([3, 4], { generator: new Generator(1) }), randn([4], { generator: new Generator(2) })];
    const params = () => init.map((t) => tensor(Float32Array.from(t.data), t.shape, { requiresGrad: true }));
    const gradAt = (step: number, i: number) => randn(init[i].shape, { generator: new Generator(100 * step + i) });
    const run = (ps: Tensor[], opt: OptimizerLike, from: number, to: number) => {
      for (let s = from; s < to; s++) {
        ps.forEach((p, i) => (p.grad = gradAt(s, i)));
        opt.step();
      }
    };
    const a = params();
    const optA = make(a);
    run(a, optA, 0, 6);

    const b = params();
    const optB = make(b);
    run(b, optB, 0, 3);
    const saved = optB.stateDict();
    const bData = b.map((p) => Float32Array.from(p.data));
    run(b, optB, 3, 4); // diverge, then restore: the saved dict must be a copy
    const c = b.map((p, i) => tensor(Float32Array.from(bData[i]), p.shape, { requiresGrad: true }));
    const optC = make(c);
    optC.loadStateDict(saved);
    run(c, optC, 3, 6);
    c.forEach((p, i) => expect(Array.from(p.data)).toEqual(Array.from(a[i].data)));
  });
});
