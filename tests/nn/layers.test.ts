import { describe, expect, test } from 'vitest';
import { Tensor } from '../../src/tensor/tensor.js';
import { randn, tensor, ones } from '../../src/tensor/create.js';
import { Generator } from '../../src/tensor/rng.js';
import { conv2d, sum, mul } from '../../src/ops/index.js';
import { noGrad } from '../../src/autograd/grad-mode.js';
import { Conv2d } from '../../src/nn/layers/conv2d.js';
import { ConvTranspose2d } from '../../src/nn/layers/conv-transpose2d.js';
import { BatchNorm2d } from '../../src/nn/layers/batch-norm2d.js';
import { Dropout } from '../../src/nn/layers/dropout.js';
import { Linear } from '../../src/nn/layers/linear.js';
import { Sequential } from '../../src/nn/layers/sequential.js';
import { ModuleList } from '../../src/nn/layers/module-list.js';
import { Upsample } from '../../src/nn/layers/upsample.js';
import { MaxPool2d } from '../../src/nn/layers/max-pool2d.js';
import { AdaptiveAvgPool2d } from '../../src/nn/layers/adaptive-avg-pool2d.js';
import { GELU } from '../../src/nn/layers/gelu.js';
import { ReLU } from '../../src/nn/layers/relu.js';
import { Sigmoid } from '../../src/nn/layers/sigmoid.js';
import { Identity } from '../../src/nn/layers/identity.js';
import { AvgPool2d, Flatten, LeakyReLU, SiLU, Softmax, Tanh } from '../../src/nn/layers/index.js';
import { avgPool2d, softmax, tanh, silu, leakyRelu } from '../../src/ops/index.js';
import { loadGolden } from '../golden.js';
import { maxRelErr } from '../helpers/close.js';

const g = (s: number) => new Generator(s);

describe('layers', () => {
  test('Conv2d forwards to conv2d with its options; keys weight, bias (bias absent when bias: false)', () => {
    const c = new Conv2d(4, 6, [3, 1], { padding: [1, 0], dilation: 1, groups: 2, generator: g(1) });
    const x = randn([2, 4, 5, 5], { generator: g(2) });
    const y = c.forward(x);
    const ref = conv2d(x, c.weight, c.bias, { padding: [1, 0], groups: 2 });
    expect(Array.from(y.data)).toEqual(Array.from(ref.data));
    expect([...c.stateDict().keys()]).toEqual(['weight', 'bias']);
    expect([...new Conv2d(4, 1, 1, { bias: false }).stateDict().keys()]).toEqual(['weight']);
  });

  test('Conv2d and ConvTranspose2d reject channel counts that groups does not divide', () => {
    expect(() => new Conv2d(3, 6, 3, { groups: 2 })).toThrow('Conv2d: inChannels (3) must be divisible by groups (2)');
    expect(() => new Conv2d(4, 6, 3, { groups: 4 })).toThrow('Conv2d: outChannels (6) must be divisible by groups (4)');
    expect(() => new Conv2d(4, 6, 0)).toThrow('Conv2d: kernelSize must be a positive integer or a pair of them, got 0');
    expect(() => new ConvTranspose2d(4, 0, 2)).toThrow('ConvTranspose2d: outChannels must be a positive integer, got 0');
  });

  test('ConvTranspose2d k2 s2 doubles H and W', () => {
    const t = new ConvTranspose2d(6, 3, 2, { stride: 2, generator: g(3) });
    expect(t.forward(randn([1, 6, 4, 5])).shape).toEqual([1, 3, 8, 10]);
  });

  test('BatchNorm2d in float64 reproduces the bn_train and bn_eval fixtures, counting train forwards only', () => {
    for (const [file, training] of [['ops/bn_train.safetensors', true], ['ops/bn_eval.safetensors', false]] as const) {
      const f = loadGolden(file);
      const bn = new BatchNorm2d(f.get('weight').shape[0]).to('float64');
      bn.loadStateDict(
        { weight: f.get('weight'), bias: f.get('bias'), running_mean: f.get('running_mean'), running_var: f.get('running_var'), num_batches_tracked: tensor([0], [], { dtype: 'int32' }) },
      );
      bn.train(training);
      const x = tensor(Float64Array.from(f.get('x').data), f.get('x').shape, { requiresGrad: true });
      const y = bn.forward(x);
      expect(maxRelErr(y.data, f.get('y').data)).toBeLessThanOrEqual(1e-10);
      sum(mul(y, f.get('gy'))).backward();
      expect(maxRelErr(x.grad!.data, f.get('gx').data)).toBeLessThanOrEqual(1e-10);
      expect(maxRelErr(bn.weight!.grad!.data, f.get('gw').data)).toBeLessThanOrEqual(1e-10);
      expect(bn.numBatchesTracked!.data[0]).toBe(training ? 1 : 0);
      if (training) {
        expect(maxRelErr(bn.runningMean!.data, f.get('running_mean_after').data)).toBeLessThanOrEqual(1e-10);
        expect(maxRelErr(bn.runningVar!.data, f.get('running_var_after').data)).toBeLessThanOrEqual(1e-10);
      } else {
        expect(Array.from(bn.runningMean!.data)).toEqual(Array.from(f.get('running_mean').data));
      }
    }
  });

  test('BatchNorm2d momentum null is the cumulative average of batch means', () => {
    const bn = new BatchNorm2d(1, { momentum: null });
    for (const v of [2, 4, 9]) bn.forward(tensor([v, v + 1, v - 1, v], [4, 1, 1, 1]));
    expect(bn.runningMean!.data[0]).toBeCloseTo(5, 6);
    expect(bn.numBatchesTracked!.data[0]).toBe(3);
  });

  test('Dropout: identity in eval; in train zeroes ~p of the elements, scales the rest by 1/(1-p), seeded', () => {
    const x = ones([10000], { requiresGrad: true });
    const d = new Dropout(0.3, { generator: g(9) });
    expect(d.eval().forward(x)).toBe(x);
    d.train();
    const y = d.forward(x);
    const kept = Array.from(y.data).filter((v) => v !== 0);
    expect(kept.every((v) => Math.abs(v - 1 / 0.7) < 1e-6)).toBe(true);
    expect(Math.abs(kept.length / 10000 - 0.7)).toBeLessThan(0.02);
    sum(y).backward();
    expect(Array.from(x.grad!.data)).toEqual(Array.from(y.data));
    const again = new Dropout(0.3, { generator: g(9) }).forward(ones([10000]));
    expect(Array.from(again.data)).toEqual(Array.from(y.data));
    expect(() => new Dropout(1.5)).toThrow('Dropout: p must be in [0, 1], got 1.5');
  });

  test('Linear computes x·Wᵀ + b over leading dims', () => {
    const l = new Linear(3, 2, { generator: g(4) });
    const x = randn([2, 5, 3], { generator: g(5) });
    const y = l.forward(x);
    expect(y.shape).toEqual([2, 5, 2]);
    const w = l.weight.data;
    const b = l.bias!.data;
    for (let r = 0; r < 10; r++) {
      for (let o = 0; o < 2; o++) {
        let ref = b[o];
        for (let i = 0; i < 3; i++) ref += x.data[r * 3 + i] * w[o * 3 + i];
        expect(y.data[r * 2 + o]).toBeCloseTo(ref, 5);
      }
    }
  });

  test('Sequential names children 0, 1, ... and applies them in order; ModuleList indexes its items', () => {
    const s = new Sequential(new Conv2d(2, 3, 1, { generator: g(1) }), new ReLU(), new BatchNorm2d(3));
    expect([...s.stateDict().keys()]).toEqual([
      '0.weight', '0.bias', '2.weight', '2.bias', '2.running_mean', '2.running_var', '2.num_batches_tracked',
    ]);
    expect(s.forward(randn([1, 2, 4, 4])).shape).toEqual([1, 3, 4, 4]);
    const list = new ModuleList([new Identity(), new Conv2d(1, 1, 1)]);
    expect(list.length).toBe(2);
    expect([...list.stateDict().keys()]).toEqual(['1.weight', '1.bias']);
    expect(() => list.at(5)).toThrow('ModuleList: index 5 is out of range for a list of 2');
    expect(() => list.forward(randn([1]))).toThrow('ModuleList: has no forward; call its items');
  });

  test('parameter-free layers: shapes and values', () => {
    const x = randn([2, 3, 6, 7], { generator: g(7) });
    expect(new Upsample({ scaleFactor: 2, mode: 'bilinear', alignCorners: true }).forward(x).shape).toEqual([2, 3, 12, 14]);
    expect(new MaxPool2d(2).forward(x).shape).toEqual([2, 3, 3, 3]);
    const pooled = new AdaptiveAvgPool2d(1).forward(x);
    expect(pooled.shape).toEqual([2, 3, 1, 1]);
    let s = 0;
    for (let i = 0; i < 42; i++) s += x.data[i];
    expect(pooled.data[0]).toBeCloseTo(s / 42, 5);
    const v = tensor([-1, 0, 2], [3]);
    expect(Array.from(new ReLU().forward(v).data)).toEqual([0, 0, 2]);
    expect(new Sigmoid().forward(v).data[1]).toBe(0.5);
    expect(new GELU().forward(v).data[2]).toBeCloseTo(2 * 0.9772498680518208, 6);
    expect(noGrad(() => new Identity().forward(v))).toBe(v);
    expect(() => new Upsample({})).toThrow('Upsample: give exactly one of scaleFactor and size');
  });

  test('LeakyReLU, SiLU, Tanh, Softmax, Flatten and AvgPool2d forward to their ops with PyTorch defaults; no state', () => {
    const x = randn([2, 3, 6, 7], { generator: g(8) });
    const same = (a: Tensor, b: Tensor): void => {
      expect(a.shape).toEqual(b.shape);
      expect(Array.from(a.data)).toEqual(Array.from(b.data));
    };
    same(new LeakyReLU().forward(x), leakyRelu(x, 0.01));
    same(new LeakyReLU(0.3).forward(x), leakyRelu(x, 0.3));
    same(new SiLU().forward(x), silu(x));
    same(new Tanh().forward(x), tanh(x));
    same(new Softmax(1).forward(x), softmax(x, 1));
    // torch.nn.Flatten keeps the batch dim (start 1), unlike the functional flatten (start 0)
    expect(new Flatten().forward(x).shape).toEqual([2, 126]);
    expect(new Flatten(2).forward(x).shape).toEqual([2, 3, 42]);
    expect(new Flatten(0, 1).forward(x).shape).toEqual([6, 6, 7]);
    same(new AvgPool2d(2).forward(x), avgPool2d(x, 2, { stride: 2 }));
    same(new AvgPool2d(3, { stride: 1, padding: 1, countIncludePad: false }).forward(x), avgPool2d(x, 3, { stride: 1, padding: 1, countIncludePad: false }));
    for (const m of [new LeakyReLU(), new SiLU(), new Tanh(), new Softmax(1), new Flatten(), new AvgPool2d(2)]) expect(m.stateDict().size).toBe(0);
  });
});
