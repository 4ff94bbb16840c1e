/** add/sub/mul/div/max/min broadcast fast paths (collapsed dims, specialised rows) and the fused product gradient mulSumTo. */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { ADD, SUB, MUL, DIV, MAX, MIN, type ArithOp, arithBroadcast, collapseBroadcast, mulSumTo } from '../../src/kernels/broadcast-arith.js';
import { binaryBroadcast, broadcastStrides } from '../../src/kernels/elementwise.js';
import { mul, gradcheck, tensor, randn, Generator, type Tensor, type DType } from '../../src/index.js';
import { allocArray, type TypedArray } from '../../src/tensor/dtype.js';

const FNS: [ArithOp, (u: number, v: number) => number][] = [
  [ADD, (u, v) => u + v], [SUB, (u, v) => u - v], [MUL, (u, v) => u * v], [DIV, (u, v) => u / v], [MAX, Math.max], [MIN, Math.min],
];
const numel = (s: readonly number[]): number => s.reduce((p, n) => p * n, 1);

function values(dtype: DType, n: number, seed: number): TypedArray {
  const out = allocArray(dtype, n);
  for (let i = 0; i < n; i++) out[i] = dtype === 'int32' ? ((seed + 7 * i) % 11) - 5 || 3 : Math.sin(seed + 1.7 * i) * 3 + 0.25;
  return out;
}

/** An output shape of rank 0-5 and two operand shapes: each dim kept or set to 1, leading dims possibly dropped. */
const caseArb = fc
  .tuple(
    fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 0, maxLength: 5 }),
    fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
    fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
    fc.nat(5),
    fc.nat(5),
  )
  .map(([out, ka, kb, da, db]) => ({
    out,
    a: out.map((n, d) => (ka[d] ? n : 1)).slice(Math.min(da, out.length)),
    b: out.map((n, d) => (kb[d] ? n : 1)).slice(Math.min(db, out.length)),
  }));

describe('arithBroadcast', () => {
  test('bit-identical to binaryBroadcast with the per-element function, every op, dtype and broadcast pattern', () => {
    fc.assert(
      fc.property(caseArb, fc.constantFrom<DType>('float32', 'float64', 'int32'), fc.nat(1000), (c, dtype, seed) => {
        const a = values(dtype, numel(c.a), seed), b = values(dtype, numel(c.b), seed + 1);
        const sa = broadcastStrides(c.a, c.out), sb = broadcastStrides(c.b, c.out);
        for (const [op, f] of FNS) {
          const got = allocArray(dtype, numel(c.out)), want = allocArray(dtype, numel(c.out));
          arithBroadcast(got, a, sa, b, sb, c.out, op);
          binaryBroadcast(want, a, sa, b, sb, c.out, f);
          expect(Array.from(got)).toEqual(Array.from(want));
        }
      }),
      { numRuns: 300, seed: 0xa417 },
    );
  });

  test("AMSUnet's patterns collapse to long rows", () => {
    const out = [8, 16, 32, 32];
    const plain = (s: number[]) => collapseBroadcast(out, broadcastStrides(out, out), broadcastStrides(s, out));
    expect(plain(out)).toEqual({ shape: [8 * 16 * 32 * 32], sa: [1], sb: [1] });
    expect(plain([8, 16, 1, 1])).toEqual({ shape: [8 * 16, 32 * 32], sa: [1024, 1], sb: [1, 0] });
    expect(plain([8, 1, 32, 32])).toEqual({ shape: [8, 16, 1024], sa: [16 * 1024, 1024, 1], sb: [1024, 0, 1] });
    expect(plain([])).toEqual({ shape: [8 * 16 * 32 * 32], sa: [1], sb: [0] });
  });
});

describe('mulSumTo', () => {
  test('equals Σ g·x over the broadcast dims (double sums, one rounding), any broadcast pattern', () => {
    fc.assert(
      fc.property(caseArb, fc.constantFrom<DType>('float32', 'float64'), fc.nat(1000), (c, dtype, seed) => {
        const n = numel(c.out), g = values(dtype, n, seed), x = values(dtype, n, seed + 3);
        const so = broadcastStrides(c.b, c.out);
        const got = allocArray(dtype, numel(c.b));
        got.fill(123); // overwritten, not accumulated
        mulSumTo(got, so, g, x, c.out);
        // naive reference: walk every output index, find the factor element it reads
        const ref = new Float64Array(numel(c.b)), mag = new Float64Array(numel(c.b));
        const idx = new Array<number>(c.out.length).fill(0);
        for (let i = 0; i < n; i++) {
          let k = 0;
          for (let d = 0; d < c.out.length; d++) k += idx[d] * so[d];
          ref[k] += g[i] * x[i];
          mag[k] += Math.abs(g[i] * x[i]);
          for (let d = c.out.length - 1; d >= 0 && ++idx[d] === c.out[d]; d--) idx[d] = 0;
        }
        for (let k = 0; k < ref.length; k++) {
          const want = dtype === 'float32' ? Math.fround(ref[k]) : ref[k];
          const ulp = dtype === 'float32' ? 2 ** -23 : 0;
          expect(Math.abs(got[k] - want)).toBeLessThanOrEqual(ulp * Math.abs(ref[k]) + 64 * Number.EPSILON * mag[k]);
        }
      }),
      { numRuns: 200, seed: 0x5013 },
    );
  });
});

describe('mul op with a broadcast factor ([N,C,H,W]·[N,C,1,1], [N,C,H,W]·[N,1,H,W])', () => {
  const rnd = (shape: number[], seed: number, dtype: DType = 'float64'): Tensor =>
    randn(shape, { dtype, generator: new Generator(seed) });

  test.each([[[2, 3, 4, 5], [2, 3, 1, 1]], [[2, 3, 4, 5], [2, 1, 4, 5]], [[2, 3, 4, 5], [3, 1, 1]], [[3, 4, 5], [1]]])(
    'float64 gradcheck %j · %j (both operand orders)',
    (sa, sb) => {
      const a = rnd(sa, 1).requiresGrad_(), b = rnd(sb, 2).requiresGrad_();
      gradcheck((u, v) => mul(u, v), [a, b], { name: 'mul' });
      gradcheck((u, v) => mul(v, u), [a, b], { name: 'mul' });
    },
  );

  test.each<DType>(['float32', 'float64'])('same shapes, both operands need grad (fused pass): ga = gy·b, gb = gy·a exactly (%s)', (dtype) => {
    const cast = (t: Tensor) => tensor(Float64Array.from(t.data), t.shape, { dtype });
    const a = cast(rnd([2, 3, 5, 7], 6)).requiresGrad_(), b = cast(rnd([2, 3, 5, 7], 7)).requiresGrad_(), gy = cast(rnd([2, 3, 5, 7], 8));
    mul(a, b).backward(gy);
    const round = dtype === 'float32' ? Math.fround : (v: number) => v;
    expect(Array.from(a.grad!.data)).toEqual(Array.from(gy.data, (v, i) => round(v * b.data[i])));
    expect(Array.from(b.grad!.data)).toEqual(Array.from(gy.data, (v, i) => round(v * a.data[i])));
    gradcheck((u) => mul(u, u), [rnd([3, 4], 11).requiresGrad_()], { name: 'mul' });
  });

  test('float32 gradients equal the float64 ones rounded, to the float32 summation error', () => {
    const a64 = rnd([4, 6, 9, 7], 3), b64 = rnd([4, 6, 1, 1], 4), gy64 = rnd([4, 6, 9, 7], 5);
    const grads = (dtype: DType) => {
      const cast = (t: Tensor) => tensor(Float64Array.from(t.data), t.shape, { dtype });
      const a = cast(a64).requiresGrad_(), b = cast(b64).requiresGrad_();
      mul(a, b).backward(cast(gy64));
      return [a.grad!.data, b.grad!.data];
    };
    const [ga32, gb32] = grads('float32'), [ga64, gb64] = grads('float64');
    for (let i = 0; i < ga64.length; i++) expect(Math.abs(ga32[i] - ga64[i])).toBeLessThanOrEqual(4e-7 * Math.abs(ga64[i]) + 1e-30);
    for (let k = 0; k < gb64.length; k++) expect(Math.abs(gb32[k] - gb64[k])).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(gb64[k])));
  });
});
