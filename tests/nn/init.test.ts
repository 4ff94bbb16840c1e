import { describe, expect, test } from 'vitest';
import { Generator, manualSeed } from '../../src/tensor/rng.js';
import { Conv2d } from '../../src/nn/layers/conv2d.js';
import { ConvTranspose2d } from '../../src/nn/layers/conv-transpose2d.js';
import { Linear } from '../../src/nn/layers/linear.js';
import { BatchNorm2d } from '../../src/nn/layers/batch-norm2d.js';
import { fanIn } from '../../src/nn/init.js';

function stats(d: ArrayLike<number>): { min: number; max: number; mean: number; variance: number } {
  let s = 0;
  let s2 = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < d.length; i++) {
    s += d[i];
    s2 += d[i] * d[i];
    min = Math.min(min, d[i]);
    max = Math.max(max, d[i]);
  }
  const mean = s / d.length;
  return { min, max, mean, variance: s2 / d.length - mean * mean };
}

/** Check that d looks like U(±bound): inside the bounds, reaching near them, mean ≈ 0 and variance ≈ bound²/3. */
function expectUniform(d: ArrayLike<number>, bound: number): void {
  const s = stats(d);
  const n = d.length;
  expect(s.min).toBeGreaterThanOrEqual(-bound);
  expect(s.max).toBeLessThanOrEqual(bound);
  expect(s.max).toBeGreaterThan(bound * (1 - 20 / n));
  expect(s.min).toBeLessThan(-bound * (1 - 20 / n));
  // standard errors: mean σ/√n with σ² = b²/3; variance ≈ b²·√(4/45)/√n
  expect(Math.abs(s.mean)).toBeLessThan((5 * bound) / Math.sqrt(3 * n));
  expect(Math.abs(s.variance - (bound * bound) / 3)).toBeLessThan((5 * bound * bound * 0.2981) / Math.sqrt(n));
}

describe('default initialisation (PyTorch distributions)', () => {
  test('Conv2d weight and bias are U(±1/√fan_in) with fan_in = Cin/groups·kH·kW', () => {
    const c = new Conv2d(32, 64, [3, 5], { groups: 4, generator: new Generator(3) });
    expect(fanIn(c.weight.shape)).toBe(8 * 15);
    expectUniform(c.weight.data, 1 / Math.sqrt(120));
    const big = new Conv2d(4, 4096, 1, { generator: new Generator(4) }); // many biases, fan_in 4
    expectUniform(big.bias!.data, 1 / Math.sqrt(4));
  });

  test('ConvTranspose2d takes fan_in from weight.shape[1] (= Cout/groups) as PyTorch does', () => {
    const t = new ConvTranspose2d(64, 16, 2, { stride: 2, generator: new Generator(5) });
    expect(t.weight.shape).toEqual([64, 16, 2, 2]);
    expectUniform(t.weight.data, 1 / Math.sqrt(16 * 4));
  });

  test('Linear: U(±1/√in) for weight and bias', () => {
    const l = new Linear(50, 2000, { generator: new Generator(6) });
    expectUniform(l.weight.data, 1 / Math.sqrt(50));
    expectUniform(l.bias!.data, 1 / Math.sqrt(50));
  });

  test('BatchNorm2d: weight 1, bias 0, running_mean 0, running_var 1, num_batches_tracked 0 (int)', () => {
    const bn = new BatchNorm2d(3);
    const sd = bn.stateDict();
    expect([...sd.keys()]).toEqual(['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']);
    expect(Array.from(sd.get('weight')!.data)).toEqual([1, 1, 1]);
    expect(Array.from(sd.get('bias')!.data)).toEqual([0, 0, 0]);
    expect(Array.from(sd.get('running_var')!.data)).toEqual([1, 1, 1]);
    expect(sd.get('num_batches_tracked')!.dtype).toBe('int32');
    expect(sd.get('num_batches_tracked')!.shape).toEqual([]);
  });

  test('the same seed gives the same weights; the global generator is used by default', () => {
    manualSeed(11);
    const a = new Conv2d(3, 8, 3);
    manualSeed(11);
    const b = new Conv2d(3, 8, 3);
    const c = new Conv2d(3, 8, 3);
    expect(Array.from(b.weight.data)).toEqual(Array.from(a.weight.data));
    expect(Array.from(c.weight.data)).not.toEqual(Array.from(a.weight.data));
  });
});
