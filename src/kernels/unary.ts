/**
 * The loops of the unary ops (src/ops/unary.ts), one literal per op so that each loop calls its own function:
 * one loop calling f from a table sees every op's f at one call site, which V8 then calls indirectly (sqrt took
 * ~17 ns an element so, ~1 ns here). ops/unary.ts's table of scalar functions is the definition; these loops
 * compute the very same expressions (tests/kernels/unary.test.ts checks them bit for bit against the table).
 *   forward   y[i] = f(x[i])                     for i in [lo, hi)
 *   backward  gx[i] = gy[i] · f'(x[i], y[i])
 */
import type { FloatArray } from '../tensor/dtype.js';

type Forward = (y: FloatArray, x: FloatArray, lo: number, hi: number) => void;
type Backward = (gx: FloatArray, gy: FloatArray, x: FloatArray, y: FloatArray, lo: number, hi: number) => void;

export const unaryLoops = {
  exp: [
    (y, x, lo, hi) => { for (let i = lo; i < hi; i++) y[i] = Math.exp(x[i]); },
    (gx, gy, _x, y, lo, hi) => { for (let i = lo; i < hi; i++) gx[i] = gy[i] * y[i]; },
  ],
  log: [
    (y, x, lo, hi) => { for (let i = lo; i < hi; i++) y[i] = Math.log(x[i]); },
    (gx, gy, x, _y, lo, hi) => { for (let i = lo; i < hi; i++) gx[i] = gy[i] * (1 / x[i]); },
  ],
  sqrt: [
    (y, x, lo, hi) => { for (let i = lo; i < hi; i++) y[i] = Math.sqrt(x[i]); },
    (gx, gy, _x, y, lo, hi) => { for (let i = lo; i < hi; i++) gx[i] = gy[i] * (0.5 / y[i]); },
  ],
  abs: [
    (y, x, lo, hi) => { for (let i = lo; i < hi; i++) y[i] = Math.abs(x[i]); },
    (gx, gy, x, _y, lo, hi) => {
      for (let i = lo; i < hi; i++) {
        const v = x[i];
        gx[i] = gy[i] * (v > 0 ? 1 : v < 0 ? -1 : 0);
      }
    },
  ],
  square: [
    (y, x, lo, hi) => { for (let i = lo; i < hi; i++) y[i] = x[i] * x[i]; },
    (gx, gy, x, _y, lo, hi) => { for (let i = lo; i < hi; i++) gx[i] = gy[i] * (2 * x[i]); },
  ],
  reciprocal: [
    (y, x, lo, hi) => { for (let i = lo; i < hi; i++) y[i] = 1 / x[i]; },
    (gx, gy, _x, y, lo, hi) => { for (let i = lo; i < hi; i++) gx[i] = gy[i] * (-y[i] * y[i]); },
  ],
} as const satisfies Record<string, readonly [Forward, Backward]>;

export type UnaryLoopName = keyof typeof unaryLoops;
