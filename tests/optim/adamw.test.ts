import { describe, expect, test } from 'vitest';
import { tensor, randn } from '../../src/tensor/create.js';
import { Generator } from '../../src/tensor/rng.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { AdamW } from '../../src/optim/adamw.js';
import { Adam } from '../../src/optim/adam.js';
import { LambdaLR, warmupPoly, constant } from '../../src/optim/schedulers.js';
import { loadGolden } from '../golden.js';
import { maxRelErr } from '../helpers/close.js';

/** Replay a fixture's three AdamW steps with its given gradients; compare parameter and both moments per step. */
function replay(file: string): number {
  const g = loadGolden(file);
  const p = tensor(Float64Array.from(g.get('param0').data), g.get('param0').shape, { requiresGrad: true });
  const [b1, b2] = g.attrs.betas as [number, number];
  const opt = new AdamW([p], { lr: g.attrs.lr as number, weightDecay: g.attrs.weight_decay as number, betas: [b1, b2], eps: g.attrs.eps as number });
  const sched = typeof g.attrs.schedule === 'object'
    ? (() => {
        const s = g.attrs.schedule as { num_step: number; epochs: number; warmup_epochs: number; warmup_factor: number };
        return new LambdaLR(opt, warmupPoly({ itersPerEpoch: s.num_step, epochs: s.epochs, warmupEpochs: s.warmup_epochs, warmupFactor: s.warmup_factor }));
      })()
    : new LambdaLR(opt, constant());
  let worst = 0;
  for (let t = 1; t <= (g.attrs.steps as number); t++) {
    expect(Math.abs(opt.paramGroups[0].lr - g.get('lr').data[t - 1])).toBeLessThanOrEqual(1e-18);
    p.grad = tensor(Float64Array.from(g.get(`grad${t}`).data), p.shape);
    opt.step();
    sched.step();
    const st = opt.state.get(p)!;
    for (const [mine, name] of [[p.data, `param${t}`], [st.buffers.exp_avg, `exp_avg${t}`], [st.buffers.exp_avg_sq, `exp_avg_sq${t}`]] as const) {
      const err = maxRelErr(mine, g.get(name).data);
      worst = Math.max(worst, err);
      expect(err, `${file} ${name}`).toBeLessThanOrEqual(1e-12);
    }
  }
  return worst;
}

describe('AdamW against torch.optim.AdamW', () => {
  test('adamw_3steps (constant lr): parameter and moments after every step', () => {
    replay('ops/adamw_3steps.safetensors');
  });

  test('adamw_3steps_sched (warm-up + poly LambdaLR stepped after each optimizer step)', () => {
    replay('ops/adamw_3steps_sched.safetensors');
  });

  test('decay is decoupled: with zero gradients AdamW only shrinks p by (1 - lr*wd), Adam(L2) moves it by ~lr', () => {
    const mk = (): Tensor => tensor([1, -2, 3], [3], { dtype: 'float64', requiresGrad: true });
    const pw = mk();
    const pa = mk();
    const w = new AdamW([pw], { lr: 0.1, weightDecay: 0.5 });
    const a = new Adam([pa], { lr: 0.1, weightDecay: 0.5 });
    pw.grad = tensor([0, 0, 0], [3], { dtype: 'float64' });
    pa.grad = tensor([0, 0, 0], [3], { dtype: 'float64' });
    w.step();
    a.step();
    expect(Array.from(pw.data)).toEqual([1 * 0.95, -2 * 0.95, 3 * 0.95]);
    // Adam: g = wd*p, m̂/√v̂ = sign(p), so p moves by lr (up to eps) towards 0
    expect(Array.from(pa.data).map((v) => Number(v.toFixed(6)))).toEqual([0.9, -1.9, 2.9]);
  });

  test('step reuses the parameter and state buffers (no reallocation)', () => {
    const p = randn([4, 5], { generator: new Generator(1), requiresGrad: true });
    const data = p.data;
    const opt = new AdamW([p], { lr: 1e-2 });
    p.grad = randn([4, 5], { generator: new Generator(2) });
    opt.step();
    const m = opt.state.get(p)!.buffers.exp_avg;
    opt.step();
    expect(p.data).toBe(data);
    expect(opt.state.get(p)!.buffers.exp_avg).toBe(m);
    expect(opt.state.get(p)!.step).toBe(2);
  });

  test('hyper-parameter errors name the optimizer and the value', () => {
    const p = randn([2], { requiresGrad: true });
    expect(() => new AdamW([p], { betas: [0.9, 1] })).toThrow('AdamW: betas must be in [0, 1), got [0.9, 1]');
    expect(() => new AdamW([p], { lr: -1 })).toThrow('AdamW: lr must be >= 0, got -1');
    expect(() => new AdamW([])).toThrow('AdamW: got an empty parameter list');
    expect(() => new AdamW([randn([2])])).toThrow('AdamW: group 0: every parameter must be a leaf tensor with requiresGrad');
  });
});
