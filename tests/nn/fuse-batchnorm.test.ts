/**
 * BatchNorm folding (src/nn/fuse-batchnorm.ts): each folded conv equals conv∘BN (or BN∘conv) in float64 over random
 * shapes, groups, strides and kernels; AMSUnet's folded eval forward equals its unfolded one (float64 to 1e-12,
 * float32 to float32 rounding); the folds are used only where they are exact and safe.
 */
import { describe, expect, test, vi } from 'vitest';
import fc from 'fast-check';
import { AMSUnet } from '../../src/models/amsunet/amsunet.js';
import { BatchNorm2d } from '../../src/nn/layers/batch-norm2d.js';
import { Conv2d } from '../../src/nn/layers/conv2d.js';
import { type BatchNormFold, foldBatchNorm, withFoldedBatchNorm } from '../../src/nn/fuse-batchnorm.js';
import { Generator } from '../../src/tensor/rng.js';
import { randn } from '../../src/tensor/create.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { noGrad } from '../../src/autograd/grad-mode.js';
import { conv2d } from '../../src/ops/conv2d.js';
import { maxAbsDiff } from '../helpers/close.js';

/** Non-trivial eval statistics and affine parameters, so a wrong fold shows. */
function randomizeBn(bn: BatchNorm2d, g: Generator): void {
  const C = bn.numFeatures;
  const set = (t: Tensor | null, f: (u: number) => number) => {
    if (!t) return;
    const u = randn([C], { generator: g, dtype: t.dtype }).data;
    for (let c = 0; c < C; c++) t.data[c] = f(u[c]);
  };
  set(bn.runningMean, (u) => 0.5 * u);
  set(bn.runningVar, (u) => 0.5 + u * u);
  set(bn.weight, (u) => 1 + 0.3 * u);
  set(bn.bias, (u) => 0.2 * u);
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

describe('foldBatchNorm', () => {
  test('a folded conv equals the conv and the BN applied one after the other (float64, random geometry)', () => {
    fc.assert(fc.property(
      fc.record({
        side: fc.constantFrom('after' as const, 'before' as const),
        groups: fc.constantFrom(1, 2),
        cinPerGroup: fc.integer({ min: 1, max: 3 }), coutPerGroup: fc.integer({ min: 1, max: 3 }),
        k: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
        stride: fc.integer({ min: 1, max: 2 }), pad: fc.integer({ min: 0, max: 1 }), bias: fc.boolean(),
        seed: fc.integer({ min: 0, max: 1e6 }),
      }),
      ({ side, groups, cinPerGroup, coutPerGroup, k, stride, pad, bias, seed }) => {
        const g = new Generator(seed);
        const cin = groups * cinPerGroup, cout = groups * coutPerGroup;
        const padding = side === 'before' ? 0 : pad; // 'before' needs an unpadded conv
        const conv = new Conv2d(cin, cout, k, { stride, padding, groups, bias, generator: g }).to('float64').eval();
        const bn = new BatchNorm2d(side === 'after' ? cout : cin).to('float64').eval();
        randomizeBn(bn, g);
        const x = randn([2, cin, 5, 6], { generator: g, dtype: 'float64' });
        const want = noGrad(() => (side === 'after' ? bn.forward(conv.forward(x)) : conv.forward(bn.forward(x))));
        const f = foldBatchNorm({ bn, conv, side });
        const got = noGrad(() => conv2d(x, f.weight, f.bias, conv.options));
        expect(got.shape).toEqual(want.shape);
        expect(maxAbsDiff(got.data, want.data)).toBeLessThanOrEqual(1e-12 * Math.max(1, maxAbs(want.data)));
      },
    ), { numRuns: 60 });
  });

  test('a BN is not folded into a padded conv after it (a padded zero would have to become the shift)', () => {
    const conv = new Conv2d(3, 4, 3, { padding: 1 });
    expect(() => foldBatchNorm({ bn: new BatchNorm2d(3), conv, side: 'before' })).toThrow(/foldBatchNorm: .*no padding/);
  });

  test('a BN whose channel count does not match the conv is refused with both counts', () => {
    expect(() => foldBatchNorm({ bn: new BatchNorm2d(5), conv: new Conv2d(3, 4, 1), side: 'after' })).toThrow(/5 channels .* output has 4/);
  });

  test('outside withFoldedBatchNorm, and in train mode or with gradients on, the layers run unfolded', () => {
    const g = new Generator(3);
    const conv = new Conv2d(2, 3, 1, { generator: g }).eval(), bn = new BatchNorm2d(3).eval();
    randomizeBn(bn, g);
    const fold: BatchNormFold = { bn, conv, side: 'after' };
    const x = randn([1, 2, 4, 4], { generator: g });
    const plain = noGrad(() => bn.forward(conv.forward(x))).data;
    // the BN alone, in the scope but with gradients on: no fold, the BN normalises
    const withGrad = withFoldedBatchNorm([fold], () => bn.forward(conv.forward(x))).data;
    expect(Array.from(withGrad)).toEqual(Array.from(plain));
    bn.train();
    const trainMode = noGrad(() => withFoldedBatchNorm([fold], () => conv.forward(x)));
    expect(Array.from(trainMode.data)).toEqual(Array.from(noGrad(() => conv.forward(x)).data));
    bn.eval();
    // folded: the BN is the identity in the scope, and the conv carries it
    const folded = noGrad(() => withFoldedBatchNorm([fold], () => bn.forward(conv.forward(x)))).data;
    expect(maxAbsDiff(folded, plain)).toBeLessThanOrEqual(1e-6 * Math.max(1, maxAbs(plain)));
    // after the scope the BN is a BN again
    expect(Array.from(noGrad(() => bn.forward(conv.forward(x))).data)).toEqual(Array.from(plain));
  });
});

describe('AMSUnet eval forward with folded BatchNorm', () => {
  function model(dtype: 'float32' | 'float64'): AMSUnet {
    const g = new Generator(11);
    const m = new AMSUnet({ inChannels: 3, numClasses: 2, baseC: 8, generator: g });
    for (const bn of m.modules()) if (bn instanceof BatchNorm2d) randomizeBn(bn, g);
    return m.to(dtype).eval();
  }

  test('folds 23 of the 27 BatchNorms (all but the four Up.norm)', () => {
    const m = model('float32');
    const folds = m.batchNormFolds();
    expect(folds.length).toBe(23);
    expect(new Set(folds.map((f) => f.bn)).size).toBe(23);
    expect(m.modules().filter((x) => x instanceof BatchNorm2d).length).toBe(27);
  });

  for (const [dtype, tol] of [['float64', 1e-12], ['float32', 2e-5]] as const) {
    test(`${dtype}: folded logits (noGrad) equal the unfolded ones (gradients on) within ${tol} of their scale`, () => {
      // spy before the model is built (Module wraps each instance's forward when it is constructed)
      const spy = vi.spyOn(BatchNorm2d.prototype, 'forward');
      const identities = () => spy.mock.calls.filter((c, i) => spy.mock.results[i].value === c[0]).length;
      try {
        const m = model(dtype);
        const x = randn([2, 3, 32, 36], { generator: new Generator(5), dtype });
        const folded = noGrad(() => m.forward(x));
        expect(identities()).toBe(23); // the folded BNs returned their input; the 4 Up.norm ran
        spy.mockClear();
        const plain = m.forward(x); // gradients on: nothing is folded
        expect(identities()).toBe(0);
        expect(plain.requiresGrad).toBe(true);
        expect(maxAbsDiff(folded.data, plain.data)).toBeLessThanOrEqual(tol * maxAbs(plain.data));
      } finally {
        spy.mockRestore();
      }
    });
  }

  test('a weight changed between forwards is seen (the folded weights are made per call)', () => {
    const m = model('float64');
    const x = randn([1, 3, 16, 16], { generator: new Generator(6), dtype: 'float64' });
    const before = noGrad(() => m.forward(x)).data.slice();
    m.down1.layers[0].modules().forEach((bn) => bn instanceof BatchNorm2d && bn.runningMean!.data.fill(3));
    const after = noGrad(() => m.forward(x));
    expect(maxAbsDiff(after.data, before)).toBeGreaterThan(1e-3);
    expect(maxAbsDiff(after.data, m.forward(x).data)).toBeLessThanOrEqual(1e-12 * maxAbs(after.data));
  });
});
