import { afterAll, describe, expect, test } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Tensor } from '../../src/tensor/tensor.js';
import { randn, randint } from '../../src/tensor/create.js';
import { Generator } from '../../src/tensor/rng.js';
import { noGrad } from '../../src/autograd/grad-mode.js';
import { loadSafetensors, saveSafetensors, type SafetensorsDType } from '../../src/io/safetensors.js';
import { saveStateDict, loadStateDictFile, saveCheckpoint, loadCheckpoint } from '../../src/io/checkpoint.js';
import { amsunetCriterion } from '../../src/nn/losses.js';
import { AdamW } from '../../src/optim/adamw.js';
import { LambdaLR, warmupPoly } from '../../src/optim/schedulers.js';
import { AMSUnet } from '../../src/models/amsunet/amsunet.js';
import { loadGolden } from '../golden.js';
import { maxAbsDiff } from '../helpers/close.js';

const dir = mkdtempSync(join(tmpdir(), 'amsunet-ckpt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bits = (t: Tensor): number[] => Array.from(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));

/** A small trained-looking model: a couple of forwards in train mode so running stats and counters are non-trivial. */
function smallModel(seed: number): AMSUnet {
  const m = new AMSUnet({ inChannels: 2, numClasses: 3, baseC: 4, generator: new Generator(seed) });
  noGrad(() => {
    m.forward(randn([2, 2, 16, 20], { generator: new Generator(seed + 1) }));
    m.forward(randn([2, 2, 16, 20], { generator: new Generator(seed + 2) }));
  });
  return m;
}

describe('state dicts on disk', () => {
  test('stateDict → safetensors → loadStateDict gives identical bits; counters are I64 on disk', () => {
    const a = smallModel(1);
    const path = join(dir, 'a.safetensors');
    saveStateDict(path, a, { note: 'round trip' });
    const raw = loadSafetensors(path);
    expect([...raw.tensors.keys()]).toEqual([...a.stateDict().keys()]);
    expect(raw.dtypes.get('in_conv.1.num_batches_tracked')).toBe('I64');
    expect(raw.dtypes.get('in_conv.0.weight')).toBe('F32');
    const { stateDict, metadata } = loadStateDictFile(path);
    expect(metadata.note).toBe('round trip');
    const b = new AMSUnet({ inChannels: 2, numClasses: 3, baseC: 4, generator: new Generator(99) });
    b.loadStateDict(stateDict);
    for (const [k, t] of a.stateDict()) expect(bits(b.stateDict().get(k)!), k).toEqual(bits(t));
    expect(b.stateDict().get('down4.2.bn2.num_batches_tracked')!.data[0]).toBe(2);
  });

  test('a file as safetensors.torch.save_file writes it from the official model loads directly and gives PyTorch’s logits', () => {
    const g = loadGolden('model/model_b8_in3_c2_2x3x64x64.safetensors');
    const tensors = new Map<string, Tensor>();
    const dtypes = new Map<string, SafetensorsDType>();
    for (const [k, t] of g.tensors) {
      if (!k.startsWith('state.')) continue;
      tensors.set(k.slice(6), t);
      dtypes.set(k.slice(6), g.dtypes.get(k)!);
    }
    const path = join(dir, 'official.safetensors');
    saveSafetensors(path, tensors, { dtypes });
    const m = new AMSUnet({ inChannels: 3, numClasses: 2, baseC: 8 });
    m.loadStateDict(loadStateDictFile(path).stateDict);
    const y = noGrad(() => m.eval().forward(g.get('input')));
    expect(maxAbsDiff(y.data, g.get('eval.logits').data)).toBeLessThanOrEqual(1e-4);
  });

  test('loading into a model of another configuration names every bad key', () => {
    const path = join(dir, 'c4.safetensors');
    saveStateDict(path, new AMSUnet({ inChannels: 2, numClasses: 3, baseC: 4 }));
    const other = new AMSUnet({ inChannels: 1, numClasses: 3, baseC: 4 });
    expect(() => other.loadStateDict(loadStateDictFile(path).stateDict)).toThrow(
      "loadStateDict: 1 problem: size mismatch for 'in_conv.0.weight': checkpoint [4, 2, 3, 3], model [4, 1, 3, 3]",
    );
    const sd = loadStateDictFile(path).stateDict;
    sd.delete('out_conv.0.bias');
    sd.set('out_conv.1.weight', sd.get('out_conv.0.weight')!);
    expect(() => new AMSUnet({ inChannels: 2, numClasses: 2, baseC: 4 }).loadStateDict(sd)).toThrow(
      "loadStateDict: 3 problems: missing key 'out_conv.0.bias'; unexpected key 'out_conv.1.weight'; " +
        "size mismatch for 'out_conv.0.weight': checkpoint [3, 4, 1, 1], model [2, 4, 1, 1]",
    );
  });
});

describe('training checkpoints', () => {
  /** A few AdamW + warm-up/poly steps of a small AMSUnet on seeded random data; returns the losses. */
  function trainSteps(m: AMSUnet, opt: AdamW, sched: LambdaLR, from: number, to: number): number[] {
    const losses: number[] = [];
    m.train();
    for (let s = from; s < to; s++) {
      const x = randn([2, 2, 16, 20], { generator: new Generator(1000 + s) });
      const t = randint(0, 3, [2, 16, 20], { generator: new Generator(2000 + s) });
      const loss = amsunetCriterion(m.forward(x), t, { ignoreIndex: 255 });
      losses.push(loss.item());
      opt.zeroGrad();
      loss.backward();
      opt.step();
      sched.step();
    }
    return losses;
  }
  const setup = (seed: number) => {
    const m = new AMSUnet({ inChannels: 2, numClasses: 3, baseC: 4, generator: new Generator(seed) });
    const opt = new AdamW(m.parameters(), { lr: 2e-3, weightDecay: 5e-5 });
    const sched = new LambdaLR(opt, warmupPoly({ itersPerEpoch: 2, epochs: 3 }));
    return { m, opt, sched };
  };

  test('save after 2 steps, restore into fresh objects, continue: bit-identical to an uninterrupted run', () => {
    const a = setup(5);
    const lossesA = trainSteps(a.m, a.opt, a.sched, 0, 4);

    const b = setup(5);
    trainSteps(b.m, b.opt, b.sched, 0, 2);
    const path = join(dir, 'train.safetensors');
    saveCheckpoint(path, { model: b.m, optimizer: b.opt, scheduler: b.sched }, { epoch: '1' });

    const c = setup(77); // different init: everything must come from the file
    const meta = loadCheckpoint(path, { model: c.m, optimizer: c.opt, scheduler: c.sched });
    expect(meta.epoch).toBe('1');
    expect(c.sched.lastStep).toBe(2);
    const lossesC = trainSteps(c.m, c.opt, c.sched, 2, 4);
    expect(lossesC).toEqual(lossesA.slice(2));
    for (const [k, t] of a.m.stateDict()) expect(bits(c.m.stateDict().get(k)!), k).toEqual(bits(t));
    // the model part of a training checkpoint is an ordinary state dict
    expect(loadStateDictFile(path).stateDict.size).toBe(c.m.stateDict().size);
  });

  test('loading optimizer state from a plain state-dict file is a clear error', () => {
    const path = join(dir, 'plain.safetensors');
    const { m, opt } = setup(1);
    saveStateDict(path, m);
    expect(() => loadCheckpoint(path, { model: m, optimizer: opt })).toThrow(`${path}: no optimizer state in this checkpoint`);
  });
});
