/**
 * mseLoss, l1Loss and binaryCrossEntropyWithLogits against their textbook definitions (PyTorch's documented
 * formulas), reductions, extreme logits, and errors. Gradients: the op registry (tests/opdb.ts).
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { Generator, Tensor, binaryCrossEntropyWithLogits, l1Loss, mseLoss, randn, rand, tensor, type DType, type Reduction } from '../../src/index.js';
import { maxRelErr } from '../helpers/close.js';

const seeded = (shape: number[], seed: number, dtype: DType = 'float64'): Tensor => randn(shape, { dtype, generator: new Generator(seed) });
const probs = (shape: number[], seed: number): Tensor => rand(shape, { dtype: 'float64', generator: new Generator(seed) });
const cast = (t: Tensor, dtype: DType): Tensor => tensor(Float64Array.from(t.data), t.shape, { dtype });

function reduce(l: number[], reduction: Reduction): number[] {
  if (reduction === 'none') return l;
  const s = l.reduce((a, v) => a + v, 0);
  return [reduction === 'sum' ? s : s / l.length];
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
/** PyTorch's documented BCEWithLogitsLoss: ℓ = −w·(p·t·log σ(x) + (1 − t)·log(1 − σ(x))). */
const bceDoc = (x: number, t: number, w: number, p: number): number => -w * (p * t * Math.log(sigmoid(x)) + (1 - t) * Math.log(1 - sigmoid(x)));

const lossCase = fc.record({
  shape: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
  reduction: fc.constantFrom<Reduction>('mean', 'sum', 'none'),
  seed: fc.nat(10_000),
});

describe('forward against the definitions (float64 ≤ 1e-12, float32 ≤ 1e-6)', () => {
  test('mseLoss and l1Loss', () => {
    fc.assert(
      fc.property(lossCase, ({ shape, reduction, seed }) => {
        const x = seeded(shape, seed), t = seeded(shape, seed + 1);
        for (const dtype of ['float64', 'float32'] as const) {
          const [xd, td] = [cast(x, dtype), cast(t, dtype)];
          const diffs = Array.from(xd.data, (v, i) => v - td.data[i]);
          const tol = dtype === 'float64' ? 1e-12 : 1e-6;
          const mse = mseLoss(xd, td, { reduction }), l1 = l1Loss(xd, td, { reduction });
          expect(mse.shape).toEqual(reduction === 'none' ? shape : []);
          expect(mse.dtype).toBe(dtype);
          expect(maxRelErr(mse.data, reduce(diffs.map((d) => d * d), reduction))).toBeLessThanOrEqual(tol);
          expect(maxRelErr(l1.data, reduce(diffs.map(Math.abs), reduction))).toBeLessThanOrEqual(tol);
        }
      }),
      { numRuns: 60, seed: 5 },
    );
  });

  test('binaryCrossEntropyWithLogits, with and without weight and posWeight (posWeight along the last dim)', () => {
    fc.assert(
      fc.property(lossCase, fc.boolean(), fc.boolean(), ({ shape, reduction, seed }, weighted, posWeighted) => {
        const x = seeded(shape, seed), t = probs(shape, seed + 1);
        const last = shape[shape.length - 1];
        const w = weighted ? probs([last], seed + 2) : null, p = posWeighted ? probs([last], seed + 3) : null;
        for (const dtype of ['float64', 'float32'] as const) {
          const [xd, td] = [cast(x, dtype), cast(t, dtype)];
          const want = Array.from(xd.data, (v, i) => bceDoc(v, td.data[i], w ? w.data[i % last] : 1, p ? 2 * p.data[i % last] : 1));
          const got = binaryCrossEntropyWithLogits(xd, td, { reduction, weight: w, posWeight: p && cast(p, 'float64').mul(2) });
          expect(maxRelErr(got.data, reduce(want, reduction))).toBeLessThanOrEqual(dtype === 'float64' ? 1e-12 : 1e-6);
        }
      }),
      { numRuns: 60, seed: 6 },
    );
  });

  test('the definition check can fail: BCE without its posWeight, or a sum taken for a mean, is caught', () => {
    const x = seeded([3, 4], 1), t = probs([3, 4], 2), p = tensor([3, 3, 3, 3], [4], { dtype: 'float64' });
    const plain = Array.from(x.data, (v, i) => bceDoc(v, t.data[i], 1, 1));
    expect(maxRelErr(binaryCrossEntropyWithLogits(x, t, { posWeight: p }).data, reduce(plain, 'mean'))).toBeGreaterThan(1e-3);
    const squares = Array.from(x.data, (v, i) => (v - t.data[i]) ** 2);
    expect(maxRelErr(mseLoss(x, t, { reduction: 'sum' }).data, reduce(squares, 'mean'))).toBeGreaterThan(1e-3);
  });
});

describe('values PyTorch documents or implies', () => {
  test('BCE at logit 0 is log 2 for any target; huge logits neither overflow nor lose the exact linear part', () => {
    const t = tensor([0, 0.3, 1], [3], { dtype: 'float64' });
    expect(Array.from(binaryCrossEntropyWithLogits(tensor([0, 0, 0], [3], { dtype: 'float64' }), t, { reduction: 'none' }).data))
      .toEqual([Math.log(2), Math.log(2), Math.log(2)]);
    const x = tensor([1000, -1000, 1000, -1000], [4], { dtype: 'float32' }).requiresGrad_();
    const y = tensor([0, 1, 1, 0], [4], { dtype: 'float32' });
    const l = binaryCrossEntropyWithLogits(x, y, { reduction: 'none' });
    expect(Array.from(l.data)).toEqual([1000, 1000, 0, 0]);
    binaryCrossEntropyWithLogits(x, y, { reduction: 'sum' }).backward();
    expect(Array.from(x.grad!.data)).toEqual([1, -1, 0, 0]); // σ(x) − t
  });

  test("'mean' of an empty input is NaN, 'sum' is 0, as PyTorch", () => {
    const e = tensor([], [0, 3], { dtype: 'float64' });
    expect(mseLoss(e, e).data[0]).toBeNaN();
    expect(l1Loss(e, e, { reduction: 'sum' }).data[0]).toBe(0);
    expect(binaryCrossEntropyWithLogits(e, e, { reduction: 'none' }).shape).toEqual([0, 3]);
  });

  test('gradients reach the target too: ∂mse/∂t = −∂mse/∂x', () => {
    const x = seeded([5], 3).requiresGrad_(), t = seeded([5], 4).requiresGrad_();
    mseLoss(x, t).backward();
    expect(Array.from(t.grad!.data)).toEqual(Array.from(x.grad!.data, (v) => -v));
    expect(maxRelErr(x.grad!.data, Array.from(x.data, (v, i) => (2 * (v - t.data[i])) / 5))).toBeLessThanOrEqual(1e-15);
  });
});

describe('errors name the op, the argument and the shapes', () => {
  const x = seeded([2, 3], 1);
  test.each([
    ['shape', () => mseLoss(x, seeded([3, 2], 2)), 'mseLoss: target shape must equal the input shape; input [2, 3], target [3, 2]'],
    ['dtype', () => l1Loss(x, seeded([2, 3], 2, 'float32')), 'l1Loss: target dtype (float32) must match the input dtype (float64); input [2, 3], target [2, 3]'],
    ['int32', () => mseLoss(tensor([1, 2], [2], { dtype: 'int32' }), tensor([1, 2], [2], { dtype: 'int32' })), 'mseLoss: input must be a float tensor, got int32; input [2]'],
    ['reduction', () => mseLoss(x, x, { reduction: 'avg' as Reduction }), "mseLoss: reduction must be 'mean', 'sum' or 'none', got 'avg'"],
    ['weight', () => binaryCrossEntropyWithLogits(x, x, { weight: seeded([2], 3) }), 'binaryCrossEntropyWithLogits: weight must broadcast to the input shape; input [2, 3], weight [2]'],
    ['posWeight', () => binaryCrossEntropyWithLogits(x, x, { posWeight: seeded([4, 2, 3], 3) }), 'binaryCrossEntropyWithLogits: posWeight must broadcast to the input shape; input [2, 3], posWeight [4, 2, 3]'],
  ])('%s', (_, call, message) => {
    expect(call).toThrow(message);
  });
});
