/**
 * layerNorm and the LayerNorm layer: forward against the naive definition (any leading and normalised dims), its
 * relation to groupNorm with one group, the wasm statistics on heap tensors against the loops bit for bit,
 * errors, and the layer's PyTorch parameters. Gradients: the op registry (tests/opdb.ts).
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { LayerNorm, Generator, Tensor, groupNorm, layerNorm, randn, tensor, type DType } from '../../src/index.js';
import { wasmFeatures } from '../../src/backend/index.js';
import { forwardBackwardBits, onBothBackends } from '../helpers/backends.js';
import { maxRelErr } from '../helpers/close.js';

const seeded = (shape: number[], seed: number, dtype: DType = 'float64'): Tensor => randn(shape, { dtype, generator: new Generator(seed) });
const cast = (t: Tensor, dtype: DType): Tensor => tensor(Float64Array.from(t.data), t.shape, { dtype });

/** Naive definition: each row of M values normalised with its mean and biased variance, then γ_j·x̂_j + β_j. */
function refLayerNorm(x: Tensor, M: number, w: ArrayLike<number> | null, b: ArrayLike<number> | null, eps: number): Float64Array {
  const y = new Float64Array(x.size);
  for (let r = 0; r < x.size / M; r++) {
    const row = Array.from(x.data.subarray(r * M, (r + 1) * M));
    const mu = row.reduce((a, v) => a + v, 0) / M;
    const v = row.reduce((a, u) => a + (u - mu) ** 2, 0) / M;
    row.forEach((u, j) => (y[r * M + j] = ((u - mu) / Math.sqrt(v + eps)) * (w ? w[j] : 1) + (b ? b[j] : 0)));
  }
  return y;
}

describe('forward against the naive definition', () => {
  test('float64 (≤ 1e-12) and float32 (≤ 1e-5), 0 to 2 leading and 1 to 3 normalised dims', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 2 }), fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 }),
        fc.boolean(), fc.constantFrom(1e-5, 1e-3, 0.5), fc.nat(10_000),
        (lead, norm, affine, eps, seed) => {
          const M = norm.reduce((a, d) => a * d, 1);
          const x = seeded([...lead, ...norm], seed);
          const w = affine ? seeded(norm, seed + 1) : null, b = affine ? seeded(norm, seed + 2) : null;
          for (const dtype of ['float64', 'float32'] as const) {
            const [xd, wd, bd] = [cast(x, dtype), w && cast(w, dtype), b && cast(b, dtype)];
            const y = layerNorm(xd, norm, wd, bd, { eps });
            expect(y.shape).toEqual(x.shape);
            expect(maxRelErr(y.data, refLayerNorm(xd, M, wd?.data ?? null, bd?.data ?? null, eps))).toBeLessThanOrEqual(dtype === 'float64' ? 1e-12 : 1e-5);
          }
        },
      ),
      { numRuns: 80, seed: 12 },
    );
  });

  test('the reference check can fail: normalising over the last dim only, for a 2-dim normalized shape, is caught', () => {
    const x = seeded([3, 4, 5], 4);
    expect(maxRelErr(layerNorm(x, [4, 5]).data, refLayerNorm(x, 5, null, null, 1e-5))).toBeGreaterThan(1e-3);
  });

  test('without affine it is groupNorm with one group over [N, C, H, W] (both normalise each sample over C, H, W)', () => {
    const x = seeded([2, 3, 4, 5], 9);
    expect(maxRelErr(layerNorm(x, [3, 4, 5]).data, groupNorm(x, 1).data)).toBeLessThanOrEqual(1e-14);
  });
});

describe.runIf(wasmFeatures().simd)('the wasm statistics on heap tensors', () => {
  test('float32 forward and backward on the wasm backend are the js loops bit for bit', () => {
    // channels-last rows of 12
    const { wasm, js } = onBothBackends(() => {
      const x = cast(seeded([2, 33, 31, 12], 3), 'float32').requiresGrad_();
      const w = cast(seeded([12], 4), 'float32').requiresGrad_(), b = cast(seeded([12], 5), 'float32').requiresGrad_();
      return forwardBackwardBits((u, v, c) => layerNorm(u, [12], v, c), x, w, b, cast(seeded([2, 33, 31, 12], 6), 'float32'));
    });
    for (let i = 0; i < 4; i++) expect(wasm[i]).toEqual(js[i]);
  });
});

describe('errors name the op, the argument and the shapes', () => {
  const x = seeded([2, 3, 4], 1);
  test.each([
    ['trailing dims', () => layerNorm(x, [3]), 'layerNorm: the last 1 dim(s) of the input must be the normalized shape [3]; input [2, 3, 4]'],
    ['too many dims', () => layerNorm(x, [1, 2, 3, 4]), 'layerNorm: the last 4 dim(s) of the input must be the normalized shape [1, 2, 3, 4]; input [2, 3, 4]'],
    ['empty shape', () => layerNorm(x, []), 'layerNorm: normalizedShape must be a non-empty list of positive integers, got []'],
    ['weight shape', () => layerNorm(x, [3, 4], seeded([4], 1)), 'layerNorm: weight must have the normalized shape [3, 4]; input [2, 3, 4], weight [4]'],
    ['bias dtype', () => layerNorm(x, [4], null, seeded([4], 1, 'float32')), 'layerNorm: bias dtype (float32) must match the input dtype (float64); input [2, 3, 4], bias [4]'],
    ['eps', () => layerNorm(x, [4], null, null, { eps: NaN }), 'layerNorm: eps must be a non-negative finite number, got NaN'],
    ['int32', () => layerNorm(tensor([1, 2], [2], { dtype: 'int32' }), [2]), 'layerNorm: expects a float input, got int32; input [2]'],
  ])('%s', (_, call, message) => {
    expect(call).toThrow(message);
  });
});

describe('LayerNorm layer (torch.nn.LayerNorm)', () => {
  test('weight = 1 and bias = 0 shaped normalizedShape under their PyTorch names; none without elementwiseAffine', () => {
    const m = new LayerNorm([3, 4]);
    expect([...m.stateDict().keys()]).toEqual(['weight', 'bias']);
    expect(m.weight!.shape).toEqual([3, 4]);
    expect(Array.from(m.weight!.data).every((v) => v === 1) && Array.from(m.bias!.data).every((v) => v === 0)).toBe(true);
    expect(new LayerNorm(5).normalizedShape).toEqual([5]);
    expect(new LayerNorm(5, { elementwiseAffine: false }).stateDict().size).toBe(0);
  });

  test('forward is layerNorm with its parameters and eps', () => {
    const m = new LayerNorm(6, { eps: 1e-3 });
    m.weight!.data.set([1, 2, 3, 4, 5, 6]);
    const x = seeded([2, 5, 6], 2, 'float32');
    expect(Array.from(m.forward(x).data)).toEqual(Array.from(layerNorm(x, [6], m.weight, m.bias, { eps: 1e-3 }).data));
  });

  test('constructor errors', () => {
    expect(() => new LayerNorm([])).toThrow('LayerNorm: normalizedShape must be a positive integer or a non-empty list of them, got []');
    expect(() => new LayerNorm(0)).toThrow('LayerNorm: normalizedShape must be a positive integer or a non-empty list of them, got 0');
  });
});
