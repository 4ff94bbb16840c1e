import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { matmul, gradcheck, tensor, full, Tensor, sumTo, transpose, clone } from '../../src/index.js';
import { matmulKernel } from '../../src/kernels/matmul.js';
import { gemm } from '../../src/backend/index.js';
import { bshape, dtypeArb, ravel, seedArb, shapeArb, size, unravel } from './core-util.js';
import { expectClose } from '../helpers/close.js';
import { rnd } from '../helpers/random.js';

/** Naive numpy matmul: promote 1-D operands, broadcast batch dims, triple loop, drop the promoted dims. */
function naiveMatmul(a: Tensor, b: Tensor): { shape: number[]; data: number[] } {
  const as = a.ndim === 1 ? [1, a.shape[0]] : [...a.shape];
  const bs = b.ndim === 1 ? [b.shape[0], 1] : [...b.shape];
  const [M, K] = as.slice(-2);
  const N = bs[bs.length - 1];
  const batch = bshape(as.slice(0, -2), bs.slice(0, -2));
  const data: number[] = [];
  for (let q = 0; q < size(batch); q++) {
    const bi = unravel(q, batch);
    const pick = (s: number[]): number => {
      const own = s.slice(0, -2).map((d, k) => (d === 1 ? 0 : bi[batch.length - (s.length - 2) + k]));
      return ravel(own, s.slice(0, -2));
    };
    const qa = pick(as);
    const qb = pick(bs);
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += a.data[qa * M * K + i * K + k] * b.data[qb * K * N + k * N + j];
        data.push(s);
      }
    }
  }
  const shape = [...batch, ...(a.ndim === 1 ? [] : [M]), ...(b.ndim === 1 ? [] : [N])];
  return { shape, data };
}

/** Operand shapes for numpy matmul: 1-D or batched, batch dims broadcasting (with size-1 dims). */
const matmulShapes = fc
  .tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), shapeArb(2, 3), fc.array(fc.boolean(), { minLength: 2, maxLength: 2 }), fc.nat(2), fc.nat(2), fc.boolean(), fc.boolean())
  .map(([M, K, N, batch, ones, dropA, dropB, aVec, bVec]) => {
    const bb = batch.map((d, i) => (ones[i] ? 1 : d));
    return {
      a: aVec ? [K] : [...batch.slice(Math.min(dropA, batch.length)), M, K],
      b: bVec ? [K] : [...bb.slice(Math.min(dropB, bb.length)), K, N],
    };
  });

describe('matmul', () => {
  test('forward matches a naive loop: 1-D, 2-D and batched operands with broadcasting (float32, float64)', () => {
    fc.assert(
      fc.property(matmulShapes, dtypeArb, seedArb, ({ a: sa, b: sb }, dtype, seed) => {
        const a = rnd(sa, dtype, seed);
        const b = rnd(sb, dtype, seed + 1);
        const y = matmul(a, b);
        const want = naiveMatmul(a, b);
        expect(y.shape).toEqual(want.shape);
        expect(y.dtype).toBe(dtype);
        expectClose(y.data, want.data, dtype === 'float32' ? 1e-6 : 1e-13);
      }),
      { numRuns: 100, seed: 61 },
    );
  });

  test('float64 gradcheck (gradients summed over broadcast batch dims)', () => {
    fc.assert(
      fc.property(matmulShapes, seedArb, ({ a: sa, b: sb }, seed) => {
        gradcheck((u, v) => matmul(u, v), [rnd(sa, 'float64', seed), rnd(sb, 'float64', seed + 1)], { name: 'matmul' });
      }),
      { numRuns: 40, seed: 62 },
    );
  });

  test('shapes as numpy: dot is 0-d, vector-matrix drops a dim, batch dims broadcast', () => {
    expect(matmul(rnd([3]), rnd([3])).shape).toEqual([]);
    expect(matmul(rnd([3]), rnd([2, 3, 4])).shape).toEqual([2, 4]);
    expect(matmul(rnd([2, 5, 3]), rnd([3])).shape).toEqual([2, 5]);
    expect(matmul(rnd([2, 1, 5, 3]), rnd([4, 3, 6])).shape).toEqual([2, 4, 5, 6]);
    expect(matmul(tensor([1, 2, 3, 4], [2, 2]), tensor([5, 6, 7, 8], [2, 2])).tolist()).toEqual([[19, 22], [43, 50]]);
  });

  test('float32 products sum in float32 as PyTorch\'s BLAS does (the engine\'s GEMM, its bits); float64 ones in doubles', () => {
    // a 100k-long dot: float32 summation error, within γ_K·Σ|a·b| (γ_K ≈ K·2⁻²⁴), and not the double sum's
    const n = 100_000;
    const y = matmul(full([n], 0.1, { dtype: 'float32' }), full([n], 1, { dtype: 'float32' }));
    const exact = n * Math.fround(0.1);
    const err = Math.abs(y.item() - exact);
    expect(err).toBeLessThanOrEqual(exact * n * 2 ** -24);
    expect(err).toBeGreaterThan(exact * 2 ** -24); // float32 sums: a double accumulator would be exact to one rounding
    const y64 = matmul(full([n], 0.1, { dtype: 'float64' }), full([n], 1, { dtype: 'float64' }));
    expect(Math.abs(y64.item() - n * 0.1)).toBeLessThanOrEqual(n * 0.1 * n * 2 ** -53);
    // a batched float32 product gives, batch by batch, the bits of the engine's gemm on the same operands
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 40 }), seedArb, (M, K, N, seed) => {
        const a = rnd([2, M, K], 'float32', seed), b = rnd([K, N], 'float32', seed + 1);
        const got = matmul(a, b).data;
        for (let q = 0; q < 2; q++) {
          const c = new Float32Array(M * N);
          gemm({ M, N, K, a: a.data as Float32Array, aOffset: q * M * K, lda: K, transA: false, b: b.data as Float32Array, bOffset: 0,
            ldb: N, transB: false, c, cOffset: 0, ldc: N, accumulate: false });
          expect(Array.from(got.subarray(q * M * N, (q + 1) * M * N))).toEqual(Array.from(c));
        }
      }),
      { numRuns: 30, seed: 62 },
    );
  });

  test('backward reads the operands transposed in place: the bits of products with transposed copies, summed over broadcast dims', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.boolean(), dtypeArb, seedArb,
        (M, K, N, broadcastA, dtype, seed) => {
          const a = rnd(broadcastA ? [M, K] : [2, M, K], dtype, seed).requiresGrad_();
          const b = rnd([2, K, N], dtype, seed + 1).requiresGrad_();
          const y = matmul(a, b), gy = rnd([...y.shape], dtype, seed + 2);
          y.backward(gy);
          const ga = sumTo(matmul(gy, clone(transpose(b, -1, -2))), a.shape), gb = sumTo(matmul(clone(transpose(a, -1, -2)), gy), b.shape);
          expect(Array.from(a.grad!.data)).toEqual(Array.from(ga.data));
          expect(Array.from(b.grad!.data)).toEqual(Array.from(gb.data));
        }),
      { numRuns: 40, seed: 64 },
    );
  });

  test('kernel: row ranges (lo, hi) compose to the whole product', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.nat(), seedArb, (M, K, N, cut, seed) => {
        const a = rnd([M, K], 'float64', seed).data;
        const b = rnd([K, N], 'float64', seed + 1).data;
        const whole = new Float64Array(M * N);
        matmulKernel(whole, a, b, M, K, N, 0, M);
        const parts = new Float64Array(M * N);
        const mid = cut % (M + 1);
        matmulKernel(parts, a, b, M, K, N, 0, mid);
        matmulKernel(parts, a, b, M, K, N, mid, M);
        expect(Array.from(parts)).toEqual(Array.from(whole));
        if (K === 0) expect(Array.from(whole).every((v) => v === 0)).toBe(true);
      }),
      { numRuns: 30, seed: 63 },
    );
  });

  test('errors name the rule and both shapes', () => {
    expect(() => matmul(rnd([2, 3]), rnd([4, 5]))).toThrow('matmul: inner dimensions must match (3 vs 4); a [2, 3], b [4, 5]');
    expect(() => matmul(rnd([3]), rnd([4]))).toThrow('matmul: inner dimensions must match (3 vs 4); a [3], b [4]');
    expect(() => matmul(rnd([2, 4, 5]), rnd([3, 5, 6]))).toThrow('matmul: batch dimensions [2] and [3] cannot broadcast; a [2, 4, 5], b [3, 5, 6]');
    expect(() => matmul(tensor(1, []), rnd([3]))).toThrow('matmul: both operands must be at least 1-D; a [], b [3]');
  });
});
