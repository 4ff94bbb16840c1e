import { describe, expect, test } from 'vitest';
import { randn } from '../../src/tensor/create.js';
import { SGD } from '../../src/optim/sgd.js';
import { LambdaLR, warmupPoly, cosine, constant } from '../../src/optim/schedulers.js';
import { loadGolden } from '../golden.js';
import { maxRelErr } from '../helpers/close.js';

describe('learning-rate schedules', () => {
  test('warmupPoly equals the official create_lr_scheduler factors (lr_schedule_ns5_ep4)', () => {
    const g = loadGolden('ops/lr_schedule_ns5_ep4.safetensors');
    const f = warmupPoly({
      itersPerEpoch: g.attrs.num_step as number,
      epochs: g.attrs.epochs as number,
      warmupEpochs: g.attrs.warmup_epochs as number,
      warmupFactor: g.attrs.warmup_factor as number,
      power: g.attrs.power as number,
    });
    const ref = g.get('factors').data;
    const mine = Array.from(ref, (_, s) => f(s));
    expect(maxRelErr(mine, ref)).toBeLessThanOrEqual(1e-15);
    expect(mine[0]).toBe(1e-3);
    expect(mine[5]).toBe(1);
    expect(mine[20]).toBe(0);
  });

  test('warmupPoly is clamped at 0 past the last step (the official code would take a negative number to 0.9)', () => {
    const f = warmupPoly({ itersPerEpoch: 5, epochs: 4 });
    expect(f(21)).toBe(0);
    expect(f(1000)).toBe(0);
  });

  test('warmupPoly without warm-up starts at 1 and decays over all steps', () => {
    const f = warmupPoly({ itersPerEpoch: 10, epochs: 3, warmup: false });
    expect(f(0)).toBe(1);
    expect(f(15)).toBeCloseTo(0.5 ** 0.9, 15);
    expect(f(30)).toBe(0);
  });

  test('cosine: warm-up, half-way factor, floor', () => {
    const f = cosine({ totalSteps: 110, warmupSteps: 10, minFactor: 0.1 });
    expect(f(0)).toBe(1e-3);
    expect(f(10)).toBe(1);
    expect(f(60)).toBeCloseTo(0.55, 15);
    expect(f(110)).toBeCloseTo(0.1, 15);
    expect(f(500)).toBeCloseTo(0.1, 15);
    expect(constant(0.5)(7)).toBe(0.5);
  });

  test('LambdaLR applies f(0) at construction and f(s) after the s-th step, per group', () => {
    const a = randn([2], { requiresGrad: true });
    const b = randn([2], { requiresGrad: true });
    const opt = new SGD([{ params: [a] }, { params: [b], lr: 1 }], { lr: 0.1 });
    const sched = new LambdaLR(opt, warmupPoly({ itersPerEpoch: 2, epochs: 3 }));
    expect(sched.getLastLr()).toEqual([0.1 * 1e-3, 1e-3]);
    sched.step();
    sched.step();
    expect(sched.getLastLr()).toEqual([0.1, 1]);
  });

  test('scheduler state save/restore continues the same lr sequence', () => {
    const mk = () => {
      const opt = new SGD([randn([1], { requiresGrad: true })], { lr: 0.01 });
      return new LambdaLR(opt, warmupPoly({ itersPerEpoch: 3, epochs: 5 }));
    };
    const s1 = mk();
    for (let i = 0; i < 4; i++) s1.step();
    const saved = s1.stateDict();
    const s2 = mk();
    s2.loadStateDict(saved);
    const seq1: number[] = [];
    const seq2: number[] = [];
    for (let i = 0; i < 10; i++) {
      s1.step();
      s2.step();
      seq1.push(s1.getLastLr()[0]);
      seq2.push(s2.getLastLr()[0]);
    }
    expect(seq2).toEqual(seq1);
  });

  test('bad schedule options are clear errors', () => {
    expect(() => warmupPoly({ itersPerEpoch: 0, epochs: 3 })).toThrow('warmupPoly: itersPerEpoch must be a positive integer, got 0');
    expect(() => warmupPoly({ itersPerEpoch: 2, epochs: 1 })).toThrow('warmupPoly: warmupEpochs (1) must be in [0, epochs = 1)');
  });
});
