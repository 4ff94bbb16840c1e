/**
 * AMSUnet blocks in float64: shapes, and the gradient of every block with respect to its inputs and to all of its
 * parameters against central differences along random directions (PyTorch's gradcheck fast mode), in train mode
 * (BatchNorm with batch statistics) where it matters. The whole-model numbers are checked against PyTorch in
 * amsunet-golden.test.ts; these tests localise a failure to a block.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { Tensor } from '../../src/tensor/tensor.js';
import { randn } from '../../src/tensor/create.js';
import { Generator } from '../../src/tensor/rng.js';
import { noGrad } from '../../src/autograd/grad-mode.js';
import type { Module } from '../../src/nn/module.js';
import { AMS } from '../../src/models/amsunet/ams.js';
import { Attention } from '../../src/models/amsunet/attention.js';
import { FFN } from '../../src/models/amsunet/ffn.js';
import { AMSE } from '../../src/models/amsunet/amse.js';
import { Down } from '../../src/models/amsunet/down.js';
import { SpatialAttention } from '../../src/models/amsunet/spatial-attention.js';
import { ChannelAttention } from '../../src/models/amsunet/channel-attention.js';
import { Up } from '../../src/models/amsunet/up.js';
import { OutConv } from '../../src/models/amsunet/out-conv.js';

/**
 * Directional-derivative check of L = Σ v ⊙ block(inputs) along a random direction per input and one direction over
 * all parameters: analytic ⟨∇L, u⟩ vs (L(θ + εu) − L(θ − εu)) / 2ε, |Δ| ≤ 1e-5 + 1e-3·|numeric| (PyTorch's defaults).
 */
function blockGradcheck(block: Module, inputs: Tensor[], seed: number): void {
  const rng = new Generator(seed);
  block.to('float64').train();
  const xs = inputs.map((t) => new Tensor(Float64Array.from(t.data), t.shape).requiresGrad_());
  const params = block.parameters();
  const run = (): Tensor => (block.forward as (...a: Tensor[]) => Tensor)(...xs);
  const y0 = run();
  const v = randn(y0.shape, { dtype: 'float64', generator: rng });
  const L = (): number => {
    const y = noGrad(run);
    let s = 0;
    for (let i = 0; i < y.size; i++) s += y.data[i] * v.data[i];
    return s;
  };
  block.zeroGrad();
  y0.backward(v);
  const groups: [string, Tensor[]][] = [...xs.map((x, i) => [`input ${i}`, [x]] as [string, Tensor[]]), ['parameters', params]];
  const eps = 1e-6;
  for (const [name, ts] of groups) {
    const us = ts.map((t) => randn(t.shape, { dtype: 'float64', generator: rng }));
    let analytic = 0;
    ts.forEach((t, j) => {
      for (let i = 0; i < t.size; i++) analytic += (t.grad ? t.grad.data[i] : 0) * us[j].data[i];
    });
    const shift = (k: number) => ts.forEach((t, j) => { for (let i = 0; i < t.size; i++) t.data[i] += k * us[j].data[i]; });
    shift(eps);
    const plus = L();
    shift(-2 * eps);
    const minus = L();
    shift(eps);
    const numeric = (plus - minus) / (2 * eps);
    expect(Math.abs(analytic - numeric), `${block.constructor.name} ${name}: numerical ${numeric}, analytical ${analytic}`).toBeLessThanOrEqual(
      1e-5 + 1e-3 * Math.abs(numeric),
    );
  }
}

const rnd = (shape: number[], seed: number): Tensor => randn(shape, { dtype: 'float64', generator: new Generator(seed) });
const dims = fc.record({ n: fc.integer({ min: 1, max: 2 }), h: fc.integer({ min: 3, max: 9 }), w: fc.integer({ min: 3, max: 9 }), seed: fc.nat(1000) });

describe('AMSUnet blocks (float64)', () => {
  test('AMS, Attention, FFN, AMSE, SpatialAttention, ChannelAttention keep the shape and pass gradcheck', () => {
    fc.assert(
      fc.property(dims, fc.integer({ min: 1, max: 5 }), ({ n, h, w, seed }, dilation) => {
        const g = new Generator(seed);
        const x = rnd([n, 4, h, w], seed + 1);
        for (const block of [new AMS(4, dilation, g), new Attention(4, dilation, g), new FFN(4, g), new AMSE(4, dilation, g), new SpatialAttention(4, g), new ChannelAttention(4, g)]) {
          expect(noGrad(() => block.to('float64').forward(x)).shape).toEqual([n, 4, h, w]);
          blockGradcheck(block, [x], seed + 2);
        }
      }),
      { numRuns: 4, seed: 11 },
    );
  });

  test('Down halves H and W (floor) and passes gradcheck', () => {
    fc.assert(
      fc.property(dims, ({ n, h, w, seed }) => {
        const down = new Down(3, 6, 3, new Generator(seed));
        const x = rnd([n + 1, 3, h + 2, w + 2], seed + 1);
        expect(noGrad(() => down.to('float64').forward(x)).shape).toEqual([n + 1, 6, (h + 2) >> 1, (w + 2) >> 1]);
        blockGradcheck(down, [x], seed + 2);
      }),
      { numRuns: 4, seed: 12 },
    );
  });

  test.each([true, false])('Up (bilinear %s) pads odd skips at the right/bottom and passes gradcheck', (bilinear) => {
    fc.assert(
      fc.property(dims, fc.boolean(), fc.boolean(), ({ n, h, w, seed }, oddH, oddW) => {
        const up = new Up(8, 4, bilinear, new Generator(seed));
        const x1 = rnd([n + 1, bilinear ? 4 : 8, h, w], seed + 1);
        const x2 = rnd([n + 1, 4, 2 * h + (oddH ? 1 : 0), 2 * w + (oddW ? 1 : 0)], seed + 2);
        expect(noGrad(() => up.to('float64').forward(x1, x2)).shape).toEqual([n + 1, 4, x2.shape[2], x2.shape[3]]);
        blockGradcheck(up, [x1, x2], seed + 3);
      }),
      { numRuns: 3, seed: 13 },
    );
  });

  test('Up rejects an upsampled map larger than the skip', () => {
    const up = new Up(8, 4);
    expect(() => up.forward(randn([1, 4, 4, 4]), randn([1, 4, 7, 8]))).toThrow(
      'Up: the upsampled map must not be larger than the skip connection; upsampled [1, 4, 8, 8], skip [1, 4, 7, 8]',
    );
  });

  test('AMS computes conv3(a + b + s5 + s7 + s11) ⊙ x (checked with identity-like weights)', () => {
    // With every depth-wise kernel a centred delta (weight 1 at the centre, bias 0) and conv3 = identity, each branch
    // returns its input, so a = b = s5 = s7 = s11 = x and y = 5x ⊙ x.
    const ams = new AMS(2, 3);
    for (const [name, p] of ams.namedParameters()) {
      p.data.fill(0);
      if (name.endsWith('weight')) {
        const [co, ci, kh, kw] = p.shape;
        for (let o = 0; o < co; o++) {
          const i = name.startsWith('conv3') ? o : 0;
          p.data[((o * ci + i) * kh + (kh >> 1)) * kw + (kw >> 1)] = 1;
        }
      }
    }
    const x = rnd([1, 2, 5, 6], 3);
    const y = noGrad(() => ams.to('float64').forward(x));
    for (let i = 0; i < x.size; i++) expect(y.data[i]).toBeCloseTo(5 * x.data[i] * x.data[i], 12);
  });

  test('OutConv is a 1x1 conv to the classes under key 0', () => {
    const o = new OutConv(4, 3);
    expect([...o.stateDict().keys()]).toEqual(['0.weight', '0.bias']);
    expect(o.forward(randn([2, 4, 5, 5])).shape).toEqual([2, 3, 5, 5]);
  });
});
