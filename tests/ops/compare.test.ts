import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { eq, ne, lt, le, gt, ge, where, gradcheck, tensor, tidy, Tensor } from '../../src/index.js';
import { getBackend, setBackend, setThreads, getThreads, wasmFeatures } from '../../src/backend/index.js';
import { whereSame } from '../../src/kernels/where.js';
import { broadcastPairArb, bshape, dtypeArb, naiveMap, seedArb, shapeArb, tolFor } from './core-util.js';
import { expectClose } from '../helpers/close.js';
import { rnd, uniformTensor } from '../helpers/random.js';

type Cmp = (a: Tensor | number, b: Tensor | number) => Tensor;
const CMPS: [string, Cmp, (u: number, v: number) => boolean][] = [
  ['eq', eq, (u, v) => u === v],
  ['ne', ne, (u, v) => u !== v],
  ['lt', lt, (u, v) => u < v],
  ['le', le, (u, v) => u <= v],
  ['gt', gt, (u, v) => u > v],
  ['ge', ge, (u, v) => u >= v],
];

describe.each(CMPS)('%s', (name, op, ref) => {
  test('int32 0/1 result matches a naive broadcasting loop; many ties from small integers', () => {
    fc.assert(
      fc.property(broadcastPairArb(), fc.constantFrom('float32', 'float64', 'int32' as const), seedArb, ([sa, sb], dtype, seed) => {
        const a = uniformTensor(sa, dtype, seed, -2, 2, true);
        const b = uniformTensor(sb, dtype, seed + 1, -2, 2, true);
        const y = op(a, b);
        expect(y.dtype).toBe('int32');
        const want = naiveMap([a, b], (u, v) => (ref(u, v) ? 1 : 0));
        expect(y.shape).toEqual(want.shape);
        expect(Array.from(y.data)).toEqual(want.data);
        expect(Array.from(op(a, 0).data)).toEqual(naiveMap([a], (u) => (ref(u, 0) ? 1 : 0)).data);
      }),
      { numRuns: 40, seed: 21 },
    );
  });

  test('is not differentiable: no graph even for inputs that require grad', () => {
    const a = rnd([3], 'float64', 1).requiresGrad_();
    const y = op(a, 0);
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
  });

  test('broadcast errors name the op and shapes', () => {
    expect(() => op(rnd([2, 3]), rnd([2]))).toThrow(`${name}: shapes [2, 3] and [2] cannot broadcast`);
  });
});

describe('comparisons, specifics', () => {
  test('NaN compares unequal to everything (ne is 1), as IEEE and PyTorch', () => {
    const x = tensor([NaN, 1], [2]);
    expect(Array.from(eq(x, x).data)).toEqual([0, 1]);
    expect(Array.from(ne(x, x).data)).toEqual([1, 0]);
    expect(Array.from(le(x, 1).data)).toEqual([0, 1]);
  });

  test('a float32 tensor compares with a number rounded to float32 (0.1f == 0.1 as in PyTorch)', () => {
    expect(eq(tensor([0.1], [1]), 0.1).data[0]).toBe(1);
    expect(eq(tensor([0.1], [1], { dtype: 'float64' }), 0.1).data[0]).toBe(1);
  });
});

describe('where', () => {
  const threeShapes = fc.tuple(shapeArb(3, 3), fc.array(fc.boolean(), { minLength: 9, maxLength: 9 }), fc.nat(3), fc.nat(3));
  const derive = (base: number[], ones: boolean[], off: number, drop: number): number[] =>
    base.map((d, i) => (ones[(i + off) % ones.length] ? 1 : d)).slice(Math.min(drop, base.length));

  test('forward matches a naive loop with cond, a and b all broadcasting (int32 and float cond)', () => {
    fc.assert(
      fc.property(threeShapes, dtypeArb, fc.boolean(), seedArb, ([base, ones, d1, d2], dtype, intCond, seed) => {
        const sc = derive(base, ones, 0, d1);
        const sa = derive(base, ones, 3, d2);
        const sb = derive(base, ones, 6, 0);
        const cond = intCond ? uniformTensor(sc, 'int32', seed, -1, 2, true) : uniformTensor(sc, 'float32', seed, -1, 2, true);
        const a = rnd(sa, dtype, seed + 1);
        const b = rnd(sb, dtype, seed + 2);
        const y = where(cond, a, b);
        const want = naiveMap([cond, a, b], (c, u, v) => (c !== 0 ? u : v));
        expect(y.shape).toEqual(bshape(sc, sa, sb));
        expect(y.dtype).toBe(dtype);
        expectClose(y.data, want.data, 0);
        expectClose(where(cond, a, 7).data, naiveMap([cond, a], (c, u) => (c !== 0 ? u : dtype === 'float32' ? Math.fround(7) : 7)).data, 0);
      }),
      { numRuns: 60, seed: 22 },
    );
  });

  test('float64 gradcheck in a and b over random broadcast shapes', () => {
    fc.assert(
      fc.property(broadcastPairArb(3, 3), seedArb, ([sa, sb], seed) => {
        const cond = uniformTensor(bshape(sa, sb), 'int32', seed, 0, 2, true);
        gradcheck((u, v) => where(cond, u, v), [rnd(sa, 'float64', seed), rnd(sb, 'float64', seed + 1)], { name: 'where' });
        gradcheck((u) => where(cond, u, 0), [rnd(sa, 'float64', seed)], { name: 'where' });
      }),
      { numRuns: 25, seed: 23 },
    );
  });

  test('gradient routes gy by the condition and sums over broadcast dims (explicit)', () => {
    const cond = tensor([1, 0, 1, 0, 0, 0], [2, 3], { dtype: 'int32' });
    const a = tensor([1], [1], { dtype: 'float64', requiresGrad: true });
    const b = tensor([1, 2, 3], [3], { dtype: 'float64', requiresGrad: true });
    where(cond, a, b).sum().backward();
    expect(Array.from(a.grad!.data)).toEqual([2]);
    expect(Array.from(b.grad!.data)).toEqual([1, 2, 1]);
  });

  test('same shapes: the branch-free loop copies the chosen element bit for bit (any cond and value type)', () => {
    const special = fc.constantFrom(0, -0, 1, -1, 0.5, NaN, Infinity, -Infinity, 2 ** 31 - 1, -(2 ** 31), 3e38);
    fc.assert(
      fc.property(fc.array(fc.tuple(special, fc.double({ noNaN: false }), fc.double({ noNaN: false })), { minLength: 1, maxLength: 40 }), (rows) => {
        for (const C of [Int32Array, Float32Array, Float64Array]) {
          for (const A of [Float32Array, Float64Array, Int32Array]) {
            const c = C.from(rows.map((r) => r[0])), a = A.from(rows.map((r) => r[1])), b = A.from(rows.map((r) => r[2]));
            const out = new A(rows.length);
            whereSame(out, c, a, b);
            for (let i = 0; i < rows.length; i++) {
              const want = c[i] !== 0 ? a[i] : b[i]; // NaN ≠ 0: true
              expect(Object.is(out[i], want) || (Number.isNaN(out[i]) && Number.isNaN(want))).toBe(true);
            }
          }
        }
      }),
      { numRuns: 60, seed: 24 },
    );
  });

  test.runIf(wasmFeatures().simd)('same shapes on the wasm backend: heap float32 operands take the SIMD select, the loop\'s bits, 1 and 2 threads', () => {
    const [backend, threads] = [getBackend(), getThreads()];
    try {
      setBackend('wasm');
      for (const t of [1, 2]) {
        setThreads(t);
        tidy(() => {
          const n = 3 * 7001; // more than the heap's smallest tensor, not a multiple of 4
          const a = rnd([n], 'float32', 5), b = rnd([n], 'float32', 6);
          for (const cond of [uniformTensor([n], 'int32', 7, -2, 3, true), uniformTensor([n], 'float32', 8, -1, 2, true)]) {
            cond.data[1] = cond.dtype === 'int32' ? -(2 ** 31) : NaN;
            const want = new Float32Array(n);
            whereSame(want, cond.data, a.data, b.data);
            expect(Array.from(where(cond, a, b).data)).toEqual(Array.from(want));
          }
        });
      }
    } finally {
      setBackend(backend);
      setThreads(threads);
    }
  });

  test('NaN in a float condition counts as true', () => {
    expect(Array.from(where(tensor([NaN, 0], [2]), 1, 2).data)).toEqual([1, 2]);
  });

  test('errors name every shape', () => {
    expect(() => where(rnd([2, 3]), rnd([4]), rnd([3]))).toThrow('where: cond, a and b cannot broadcast; cond [2, 3], a [4], b [3]');
  });

  test('float32 result for float32 operands, float64 when one is float64', () => {
    const c = tensor([1, 0], [2], { dtype: 'int32' });
    expect(where(c, rnd([2], 'float32'), rnd([2], 'float32')).dtype).toBe('float32');
    expect(where(c, rnd([2], 'float32'), rnd([2], 'float64')).dtype).toBe('float64');
    expectClose(where(c, tensor([1, 2]), 0).data, [1, 0], tolFor('float32'));
  });
});
