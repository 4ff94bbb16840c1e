import { describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { manualSeed, Generator } from '../../src/tensor/rng.js';
import { randn, randint } from '../../src/tensor/create.js';
import { amsunetCriterion } from '../../src/nn/losses.js';
import { AdamW } from '../../src/optim/adamw.js';
import { sum } from '../../src/ops/index.js';
import { AMSUnet } from '../../src/models/amsunet/amsunet.js';
import { GOLDEN_DIR } from '../golden.js';

/** The appendix table of tests/golden/README.md: [key, dtype, shape] for base_c 8, 3 inputs, 2 classes. */
function appendixKeys(): [string, string, number[]][] {
  const text = readFileSync(join(GOLDEN_DIR, 'README.md'), 'utf8');
  const section = text.slice(text.indexOf('## Appendix: state_dict keys'));
  const rows: [string, string, number[]][] = [];
  for (const m of section.matchAll(/^\| `([^`]+)` \| (float32|int64) \| \[([\d, ]*)\] \|$/gm)) {
    rows.push([m[1], m[2], m[3] ? m[3].split(', ').map(Number) : []]);
  }
  return rows;
}

describe('AMSUnet structure (official module tree)', () => {
  test('baseC 32, 3 inputs, 2 classes: 2,619,898 parameters, 427 state-dict entries, 346 parameter tensors', () => {
    const m = new AMSUnet({ inChannels: 3, numClasses: 2, baseC: 32, generator: new Generator(0) });
    expect(m.numParameters()).toBe(2_619_898);
    expect(m.stateDict().size).toBe(427);
    expect(m.parameters().length).toBe(346);
  });

  test('baseC 8: keys, order, dtypes and shapes equal the PyTorch state_dict listed in the golden README', () => {
    const ref = appendixKeys();
    expect(ref.length).toBe(427);
    const mine = [...new AMSUnet({ inChannels: 3, numClasses: 2, baseC: 8 }).stateDict()].map(
      ([k, t]) => [k, t.dtype === 'int32' ? 'int64' : t.dtype, [...t.shape]] as [string, string, number[]],
    );
    expect(mine).toEqual(ref);
  });

  test('defaults are inChannels 3 (RGB, as the paper), numClasses 2, baseC 32, bilinear', () => {
    const m = new AMSUnet();
    expect([m.inChannels, m.numClasses, m.baseC, m.bilinear]).toEqual([3, 2, 32, true]);
    expect(m.stateDict().get('in_conv.0.weight')!.shape).toEqual([32, 3, 3, 3]);
    expect(new AMSUnet({ baseC: 32 }).numParameters()).toBe(2_619_898); // the paper's count, 3 input channels
  });

  test('construction is reproducible from the global seed', () => {
    manualSeed(0);
    const a = new AMSUnet({ baseC: 4 });
    manualSeed(0);
    const b = new AMSUnet({ baseC: 4 });
    for (const [k, t] of a.stateDict()) expect(Array.from(b.stateDict().get(k)!.data), k).toEqual(Array.from(t.data));
  });

  test('training is deterministic: the same seed gives bit-identical losses and weights', () => {
    const run = (): { losses: number[]; w: number[] } => {
      manualSeed(42);
      const m = new AMSUnet({ inChannels: 1, numClasses: 2, baseC: 4 });
      const opt = new AdamW(m.parameters(), { lr: 2e-3 });
      const g = new Generator(7);
      const losses: number[] = [];
      for (let s = 0; s < 3; s++) {
        const loss = amsunetCriterion(m.forward(randn([2, 1, 16, 16], { generator: g })), randint(0, 2, [2, 16, 16], { generator: g }));
        losses.push(loss.item());
        opt.zeroGrad();
        loss.backward();
        opt.step();
      }
      return { losses, w: Array.from(m.stateDict().get('up4.conv.0.ffn.conv3.weight')!.data) };
    };
    const a = run();
    const b = run();
    expect(b.losses).toEqual(a.losses);
    expect(b.w).toEqual(a.w);
    expect(a.losses[2]).not.toBe(a.losses[0]);
  });

  test('baseC < 4 and bad sizes are rejected with clear errors', () => {
    expect(() => new AMSUnet({ baseC: 3 })).toThrow(
      'AMSUnet: baseC must be at least 4, got 3 (ChannelAttention of the last decoder stage has baseC/4 channels; the official code fails with 0)',
    );
    expect(() => new AMSUnet({ numClasses: 0 })).toThrow('AMSUnet: numClasses must be a positive integer, got 0');
    const m = new AMSUnet({ inChannels: 3, baseC: 4 });
    expect(() => m.forward(randn([1, 3, 15, 32]))).toThrow('AMSUnet: expected input [N, 3, H, W] with H, W ≥ 16 (four stride-2 stages); input [1, 3, 15, 32]');
    expect(() => m.forward(randn([1, 1, 32, 32]))).toThrow(/^AMSUnet: expected input \[N, 3, H, W\]/);
  });

  test('bilinear = false (transposed-conv decoder) builds, runs on odd sizes and backpropagates', () => {
    const m = new AMSUnet({ inChannels: 1, numClasses: 3, baseC: 4, bilinear: false, generator: new Generator(1) });
    const keys = [...m.stateDict().keys()];
    expect(keys).toContain('up1.up.weight');
    expect(m.stateDict().get('up1.norm.weight')!.shape).toEqual([64]); // normalises the 16C map it receives
    expect(m.stateDict().get('up1.up.weight')!.shape).toEqual([64, 32, 2, 2]);
    const x = randn([2, 1, 19, 33], { generator: new Generator(2), requiresGrad: true });
    const y = m.forward(x);
    expect(y.shape).toEqual([2, 3, 19, 33]);
    sum(y).backward();
    expect(x.grad!.shape).toEqual(x.shape);
    expect(m.parameters().every((p) => p.grad !== null)).toBe(true);
  });
});
