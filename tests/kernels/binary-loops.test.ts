/**
 * The loops of the function-defined binary ops (src/kernels/binary-loops.ts) give, bit for bit, the op's scalar
 * function applied element by element (what the general broadcast does), for the same-shape layout and for either
 * operand a single value, on float32, float64 and int32 data with signed zeros, infinities and NaN. The ops take
 * them: pow / maximum / minimum / comparisons agree with the general broadcast on the same operands; the derivative
 * loops are held to binaryDerivatives (ops/binary.ts), the functions pow's, maximum's and minimum's gradients use.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { type BinaryLoopName, binaryLoops } from '../../src/kernels/binary-loops.js';
import { broadcastBinary, eq, ge, gt, le, lt, maximum, minimum, ne, pow, tensor } from '../../src/index.js';
import { binaryDerivatives } from '../../src/ops/binary.js';

const definitions: Record<BinaryLoopName, (u: number, v: number) => number> = {
  ...binaryDerivatives,
  pow: (u, v) => u ** v,
  eq: (u, v) => (u === v ? 1 : 0), ne: (u, v) => (u !== v ? 1 : 0), lt: (u, v) => (u < v ? 1 : 0),
  le: (u, v) => (u <= v ? 1 : 0), gt: (u, v) => (u > v ? 1 : 0), ge: (u, v) => (u >= v ? 1 : 0),
};

const anyNumber = fc.oneof(
  { weight: 5, arbitrary: fc.double({ min: -8, max: 8, noNaN: true }) },
  { weight: 2, arbitrary: fc.integer({ min: -4, max: 4 }) },
  { weight: 1, arbitrary: fc.constantFrom(0, -0, 0.5, -0.5, 1e-40, 3e38, Infinity, -Infinity, NaN) },
);

const same = (a: ArrayLike<number>, b: ArrayLike<number>): boolean =>
  Array.from(a).every((x, i) => Object.is(x, b[i]) || (Number.isNaN(x) && Number.isNaN(b[i])));

describe('binary loops', () => {
  test('one row per op, and an op for every row', () => {
    expect(Object.keys(binaryLoops).sort()).toEqual(Object.keys(definitions).sort());
  });

  test.each(Object.keys(definitions) as BinaryLoopName[])('%s: vv, vs and sv give the function\'s bits (f32, f64, int32)', (name) => {
    const f = definitions[name], L = binaryLoops[name];
    const compare = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'].includes(name);
    fc.assert(
      fc.property(fc.array(fc.tuple(anyNumber, anyNumber), { minLength: 1, maxLength: 30 }), (pairs) => {
        for (const A of [Float32Array, Float64Array, Int32Array]) {
          const a = A.from(pairs.map((p) => p[0])), b = A.from(pairs.map((p) => p[1]));
          const Out = compare ? Int32Array : A, n = a.length;
          const want = new Out(n), got = new Out(n);
          for (let i = 0; i < n; i++) want[i] = f(a[i], b[i]);
          L.vv(got, a, b);
          expect(same(got, want)).toBe(true);
          for (let i = 0; i < n; i++) want[i] = f(a[i], b[0]);
          L.vs(got, a, b[0]);
          expect(same(got, want)).toBe(true);
          for (let i = 0; i < n; i++) want[i] = f(a[0], b[i]);
          L.sv(got, a[0], b);
          expect(same(got, want)).toBe(true);
        }
      }),
      { numRuns: 40, seed: 0xb1 },
    );
  });

  test('the ops agree with the general broadcast of their function (same shapes, a scalar on either side, a real broadcast)', () => {
    const x = tensor([-2, -0, 0, 0.5, 3, NaN, Infinity], [7]), y = tensor([1, 0, -0, 2, 3, 1, -1], [7]);
    // maximum and minimum run as the arithmetic kernels (kernels/broadcast-arith.ts), held to Math.max / min here too
    const fns: Record<string, (u: number, v: number) => number> = { ...definitions, maximum: Math.max, minimum: Math.min };
    const cases: [string, (a: never, b: never) => { data: ArrayLike<number> }][] = [
      ['pow', pow as never], ['maximum', maximum as never], ['minimum', minimum as never], ['eq', eq as never], ['ne', ne as never],
      ['lt', lt as never], ['le', le as never], ['gt', gt as never], ['ge', ge as never],
    ];
    for (const [name, op] of cases) {
      const compare = !['pow', 'maximum', 'minimum'].includes(name);
      const general = (a: unknown, b: unknown) => broadcastBinary(name, a as never, b as never, fns[name], undefined, compare ? 'int32' : undefined);
      for (const [a, b] of [[x, y], [x, 2], [0.5, y], [tensor([[1], [2]], [2, 1]), y]] as const) {
        expect(same(op(a as never, b as never).data, general(a, b).data)).toBe(true);
      }
    }
  });
});
