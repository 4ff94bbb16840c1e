/**
 * groupNorm and the GroupNorm layer: forward against the naive definition (any rank, any grouping), its special
 * cases (one group = layer norm over C and space, C groups = instance norm), the wasm kernels on heap tensors
 * against the loops bit for bit, errors, and the layer's PyTorch parameters. Gradients: the op registry
 * (tests/opdb.ts) gradchecks it in float64 and float32.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { GroupNorm, Generator, Tensor, groupNorm, randn, tensor, sum, mul, type DType } from '../../src/index.js';
import { wasmFeatures } from '../../src/backend/index.js';
import { forwardBackwardBits, onBothBackends } from '../helpers/backends.js';
import { maxRelErr } from '../helpers/close.js';

const seeded = (shape: number[], seed: number, dtype: DType = 'float64'): Tensor => randn(shape, { dtype, generator: new Generator(seed) });
const cast = (t: Tensor, dtype: DType): Tensor => tensor(Float64Array.from(t.data), t.shape, { dtype });

/** Naive definition: for each (n, g) gather its values, mean and biased variance, then γ_c·x̂ + β_c. */
function refGroupNorm(x: Tensor, G: number, w: ArrayLike<number> | null, b: ArrayLike<number> | null, eps: number): Float64Array {
  const [N, C] = x.shape;
  const S = x.size / (N * C), Cg = C / G;
  const y = new Float64Array(x.size);
  for (let n = 0; n < N; n++) {
    for (let g = 0; g < G; g++) {
      const idx: number[] = [];
      for (let c = g * Cg; c < (g + 1) * Cg; c++) for (let s = 0; s < S; s++) idx.push((n * C + c) * S + s);
      const mu = idx.reduce((a, i) => a + x.data[i], 0) / idx.length;
      const v = idx.reduce((a, i) => a + (x.data[i] - mu) ** 2, 0) / idx.length;
      for (const i of idx) {
        const c = Math.floor(i / S) % C;
        y[i] = ((x.data[i] - mu) / Math.sqrt(v + eps)) * (w ? w[c] : 1) + (b ? b[c] : 0);
      }
    }
  }
  return y;
}

const gnCase = fc.record({
  N: fc.integer({ min: 1, max: 3 }),
  G: fc.integer({ min: 1, max: 4 }),
  Cg: fc.integer({ min: 1, max: 3 }),
  spatial: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 0, maxLength: 3 }),
  affine: fc.boolean(),
  eps: fc.constantFrom(1e-5, 1e-3, 0.5),
  seed: fc.nat(10_000),
});

describe('forward against the naive definition', () => {
  test('float64 (≤ 1e-12) and float32 (≤ 1e-5), ranks 2 to 5', () => {
    fc.assert(
      fc.property(gnCase, (c) => {
        const C = c.G * c.Cg;
        const x = seeded([c.N, C, ...c.spatial], c.seed);
        const w = c.affine ? seeded([C], c.seed + 1) : null, b = c.affine ? seeded([C], c.seed + 2) : null;
        for (const dtype of ['float64', 'float32'] as const) {
          const [xd, wd, bd] = [cast(x, dtype), w && cast(w, dtype), b && cast(b, dtype)];
          const y = groupNorm(xd, c.G, wd, bd, { eps: c.eps });
          expect(y.shape).toEqual(x.shape);
          expect(y.dtype).toBe(dtype);
          expect(maxRelErr(y.data, refGroupNorm(xd, c.G, wd?.data ?? null, bd?.data ?? null, c.eps))).toBeLessThanOrEqual(dtype === 'float64' ? 1e-12 : 1e-5);
        }
      }),
      { numRuns: 80, seed: 11 },
    );
  });

  test('the reference check can fail: the unbiased variance, or stats over the whole channel set per group, are caught', () => {
    const x = seeded([2, 4, 3], 5);
    const y = groupNorm(x, 2);
    // unbiased variance: scale every x̂ by √((M − 1)/M)
    const M = 2 * 3;
    const unbiased = refGroupNorm(x, 2, null, null, 1e-5).map((v) => v * Math.sqrt((M - 1) / M));
    expect(maxRelErr(y.data, unbiased)).toBeGreaterThan(1e-3);
    // one group instead of two
    expect(maxRelErr(y.data, refGroupNorm(x, 1, null, null, 1e-5))).toBeGreaterThan(1e-3);
  });

  test('one group normalises each sample over C and space (layer norm); C groups each channel (instance norm)', () => {
    const x = seeded([2, 3, 4, 5], 7);
    const perSample = groupNorm(x, 1);
    const perChannel = groupNorm(x, 3);
    for (let n = 0; n < 2; n++) {
      const s = Array.from(perSample.data.subarray(n * 60, (n + 1) * 60));
      const mean = s.reduce((a, v) => a + v, 0) / 60;
      expect(Math.abs(mean)).toBeLessThan(1e-12);
      expect(s.reduce((a, v) => a + v * v, 0) / 60).toBeCloseTo(1, 3); // 1/(1 + eps/var)
      for (let c = 0; c < 3; c++) {
        const p = Array.from(perChannel.data.subarray((n * 3 + c) * 20, (n * 3 + c + 1) * 20));
        expect(Math.abs(p.reduce((a, v) => a + v, 0) / 20)).toBeLessThan(1e-12);
      }
    }
  });

  test('a constant group gives β (x̂ = 0); its input gradient is σ⁻¹·(γ_c·gy − mean over the group of γ·gy), σ = √eps', () => {
    const x = tensor(new Float64Array(2 * 2 * 3).fill(4), [2, 2, 3]).requiresGrad_();
    const w = tensor([2, 3], [2], { dtype: 'float64' }).requiresGrad_(), b = tensor([0.5, -1], [2], { dtype: 'float64' }).requiresGrad_();
    const y = groupNorm(x, 1, w, b);
    expect(Array.from(y.data)).toEqual([0.5, 0.5, 0.5, -1, -1, -1, 0.5, 0.5, 0.5, -1, -1, -1]);
    const gy = seeded([2, 2, 3], 1);
    sum(mul(y, gy)).backward();
    const want = new Float64Array(12);
    for (let n = 0; n < 2; n++) {
      let meanWg = 0;
      for (let i = 0; i < 6; i++) meanWg += [2, 3][Math.floor(i / 3)] * gy.data[n * 6 + i] / 6;
      for (let i = 0; i < 6; i++) want[n * 6 + i] = ([2, 3][Math.floor(i / 3)] * gy.data[n * 6 + i] - meanWg) / Math.sqrt(1e-5);
    }
    expect(maxRelErr(x.grad!.data, want)).toBeLessThanOrEqual(1e-12);
    expect(Array.from(w.grad!.data)).toEqual([0, 0]);
  });
});

describe.runIf(wasmFeatures().simd)('the wasm kernels on heap tensors', () => {
  test('float32 forward and backward on the wasm backend are the js loops bit for bit', () => {
    // ≥ 16,384 elements, so on wasm these are heap views and the stats / apply run as wasm on the pool
    const { wasm, js } = onBothBackends(() => {
      const x = cast(seeded([2, 12, 33, 31], 3), 'float32').requiresGrad_();
      const w = cast(seeded([12], 4), 'float32').requiresGrad_(), b = cast(seeded([12], 5), 'float32').requiresGrad_();
      return forwardBackwardBits((u, v, c) => groupNorm(u, 4, v, c), x, w, b, cast(seeded([2, 12, 33, 31], 6), 'float32'));
    });
    for (let i = 0; i < 4; i++) expect(wasm[i]).toEqual(js[i]);
  });
});

describe('errors name the op, the argument and the shapes', () => {
  const x = seeded([2, 6, 4], 1);
  test.each([
    ['channels not divisible', () => groupNorm(x, 4), 'groupNorm: input channels (6) must be divisible by numGroups (4); input [2, 6, 4]'],
    ['rank 1', () => groupNorm(seeded([6], 1), 2), 'groupNorm: expected an input [N, C, *] of rank 2 or more, got rank 1; input [6]'],
    ['weight shape', () => groupNorm(x, 2, seeded([3], 1)), 'groupNorm: weight must have shape [C] = [6]; input [2, 6, 4], weight [3]'],
    ['bias dtype', () => groupNorm(x, 2, null, seeded([6], 1, 'float32')), 'groupNorm: bias dtype (float32) must match the input dtype (float64); input [2, 6, 4], bias [6]'],
    ['numGroups', () => groupNorm(x, 0), 'groupNorm: numGroups must be a positive integer, got 0'],
    ['eps', () => groupNorm(x, 2, null, null, { eps: -1 }), 'groupNorm: eps must be a non-negative finite number, got -1'],
    ['int32 input', () => groupNorm(tensor([1, 2, 3, 4], [2, 2], { dtype: 'int32' }), 1), 'groupNorm: expects a float input, got int32; input [2, 2]'],
  ])('%s', (_, call, message) => {
    expect(call).toThrow(message);
  });
});

describe('GroupNorm layer (torch.nn.GroupNorm)', () => {
  test('parameters weight = 1 and bias = 0 under their PyTorch names; none when affine is false', () => {
    const m = new GroupNorm(2, 6);
    expect([...m.stateDict().keys()]).toEqual(['weight', 'bias']);
    expect(Array.from(m.weight!.data)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(Array.from(m.bias!.data)).toEqual([0, 0, 0, 0, 0, 0]);
    expect([...new GroupNorm(2, 6, { affine: false }).stateDict().keys()]).toEqual([]);
  });

  test('forward is groupNorm with its parameters and eps, the same in train and eval mode', () => {
    const m = new GroupNorm(3, 6, { eps: 1e-3 });
    m.weight!.data.set([1, 2, 3, 4, 5, 6]);
    const x = seeded([2, 6, 5], 2, 'float32');
    const y = m.forward(x);
    expect(Array.from(y.data)).toEqual(Array.from(groupNorm(x, 3, m.weight, m.bias, { eps: 1e-3 }).data));
    m.eval();
    expect(Array.from(m.forward(x).data)).toEqual(Array.from(y.data));
  });

  test.each([
    [() => new GroupNorm(4, 6), 'GroupNorm: numChannels (6) must be divisible by numGroups (4)'],
    [() => new GroupNorm(0, 6), 'GroupNorm: numGroups must be a positive integer, got 0'],
    [() => new GroupNorm(2, 2.5), 'GroupNorm: numChannels must be a positive integer, got 2.5'],
  ])('constructor error %#', (make, message) => {
    expect(make).toThrow(message);
  });
});
