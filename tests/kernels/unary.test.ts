/**
 * The unary ops' loops (src/kernels/unary.ts) compute exactly the table's scalar functions (src/ops/unary.ts, the
 * definition): bit for bit on float32 and float64 arrays over ordinary, tiny, huge, signed-zero, infinite and NaN
 * values, forward and backward, for every row of the table (and no loop without a row).
 */
import { expect, test } from 'vitest';
import fc from 'fast-check';
import { unaryTable } from '../../src/ops/unary.js';
import { unaryLoops } from '../../src/kernels/unary.js';

const anyFloat = fc.oneof(
  { weight: 6, arbitrary: fc.double({ min: -50, max: 50, noNaN: true }) },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.constantFrom(0, -0, 1e-300, -3e-39, 1e-45, 3e38, Infinity, -Infinity, NaN) },
);

const same = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i]) && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return i;
  return -1;
};

test('every table row has its loops, and no loop lacks a row', () => {
  expect(Object.keys(unaryLoops).sort()).toEqual(Object.keys(unaryTable).sort());
});

test.each(Object.keys(unaryTable) as (keyof typeof unaryTable)[])('%s: the loops give the table\'s bits (f32, f64; forward and backward)', (name) => {
  const [f, df] = unaryTable[name] as readonly [(x: number) => number, (x: number, y: number) => number];
  const [loop, gradLoop] = unaryLoops[name];
  fc.assert(
    fc.property(fc.array(anyFloat, { minLength: 1, maxLength: 40 }), fc.array(anyFloat, { minLength: 40, maxLength: 40 }), fc.nat(39), (xs, gs, lo0) => {
      for (const A of [Float32Array, Float64Array]) {
        const n = xs.length, lo = lo0 % n, x = A.from(xs), gy = A.from(gs.slice(0, n));
        const [want, got] = [new A(n).fill(7), new A(n).fill(7)];
        for (let i = lo; i < n; i++) want[i] = f(x[i]);
        loop(got, x, lo, n);
        expect(same(got, want)).toBe(-1);
        const [gWant, gGot] = [new A(n).fill(7), new A(n).fill(7)];
        for (let i = lo; i < n; i++) gWant[i] = gy[i] * df(x[i], want[i]);
        gradLoop(gGot, gy, x, want, lo, n);
        expect(same(gGot, gWant)).toBe(-1);
      }
    }),
    { numRuns: 60, seed: 0x7a },
  );
});
