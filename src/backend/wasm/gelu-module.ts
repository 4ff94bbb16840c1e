/**
 * Generates the WebAssembly GELU kernel (exact form, float32):
 *   gelu(src, dst, n):  dst[i] = ½·x·(1 + erf(x/√2)),  x = src[i], i < n   (src, dst byte addresses; may be equal)
 * Four lanes at a time with f32x4, then the tail one at a time with the same formula in scalar f32 ops, so every
 * element gets the same bits wherever it falls (any split of [0, n) is bit-identical).
 *
 * erf(z) for float32: Eigen's rational approximation (generic_fast_erf_float), z clamped to [−4, 4] where
 * erf is ±1 in float32:  erf(z) ≈ z·P(z²)/Q(z²), P of degree 6 and Q of degree 4 in z².
 * Measured max |error| 3.7e-7 against a double-precision erf, so |Δgelu| ≲ 2e-7·|x| plus the rounding of y.
 */
import { encodeModule } from './encoding.js';
import { type Expr, FunctionBuilder, type Local, f32, f32x4, forLoop, i32, v128 } from './instructions.js';

const P = [-1.60960333262415e-2, -2.95459980854025e-3, -7.34990630326855e-4, -5.69250639462346e-5,
  -2.10102402082508e-6, 2.77068142495902e-8, -2.72614225801306e-10];
const Q = [-1.42647390514189e-2, -7.37332916720468e-3, -1.68282697438203e-3, -2.13374055278905e-4, -1.45660718464996e-5];

/** The arithmetic the formula needs, over one f32 or four. */
interface Arith {
  c(x: number): Expr;
  add(a: Expr, b: Expr): Expr;
  mul(a: Expr, b: Expr): Expr;
  div(a: Expr, b: Expr): Expr;
  min(a: Expr, b: Expr): Expr;
  max(a: Expr, b: Expr): Expr;
}
const scalar: Arith = { c: f32.const, add: f32.add, mul: f32.mul, div: f32.div, min: f32.min, max: f32.max };
const vector: Arith = { c: f32x4.const, add: f32x4.add, mul: f32x4.mul, div: f32x4.div, min: f32x4.min, max: f32x4.max };

/** Horner: ((c[k]·t + c[k−1])·t + …)·t + c[0], with t read from a local. */
function horner(A: Arith, coef: number[], t: Local): Expr {
  let e = A.add(A.mul(t.get(), A.c(coef[coef.length - 1])), A.c(coef[coef.length - 2]));
  for (let i = coef.length - 3; i >= 0; i--) e = A.add(A.mul(e, t.get()), A.c(coef[i]));
  return e;
}

/** Statements leaving gelu(x) for x in local `x` (z, z2 are scratch locals of the same type). */
function geluOf(A: Arith, x: Local, z: Local, z2: Local): { setup: Expr[]; value: Expr } {
  return {
    setup: [
      z.set(A.min(A.c(4), A.max(A.c(-4), A.mul(x.get(), A.c(Math.SQRT1_2))))),
      z2.set(A.mul(z.get(), z.get())),
    ],
    // ½x·(1 + z·P(z²)/Q(z²))
    value: A.mul(A.mul(A.c(0.5), x.get()), A.add(A.c(1), A.div(A.mul(z.get(), horner(A, P, z2)), horner(A, Q, z2)))),
  };
}

export function geluModuleBytes(): Uint8Array {
  const f = new FunctionBuilder('gelu', { src: 'i32', dst: 'i32', n: 'i32' });
  const [src, dst, n] = ['src', 'dst', 'n'].map((x) => f.param(x));
  const i = f.local('i', 'i32'), end4 = f.local('end4', 'i32');
  const xv = f.local('xv', 'v128'), zv = f.local('zv', 'v128'), z2v = f.local('z2v', 'v128');
  const xs = f.local('xs', 'f32'), zs = f.local('zs', 'f32'), z2s = f.local('z2s', 'f32');
  const vec = geluOf(vector, xv, zv, z2v), one = geluOf(scalar, xs, zs, z2s);
  const at = (base: Local): Expr => i32.add(base.get(), i32.shl(i.get(), i32.const(2)));
  const body = [
    end4.set(i32.and(n.get(), i32.const(~3))),
    forLoop(i, i32.const(0), end4.get(), 4, xv.set(v128.load(at(src))), ...vec.setup, v128.store(at(dst), vec.value)),
    forLoop(i, end4.get(), n.get(), 1, xs.set(f32.load(at(src))), ...one.setup, f32.store(at(dst), one.value)),
  ];
  const memory = { module: 'env', field: 'memory', initialPages: 1, maximumPages: 65536, shared: true };
  return encodeModule(memory, [f.build(body)]);
}
