/**
 * Generates the WebAssembly GELU kernels (exact form, float32):
 *   gelu(src, dst, n):               dst[i] = ½·x·(1 + erf(x/√2)),  x = src[i], i < n   (byte addresses; may alias)
 *   geluBackward(gy, x, gx, n):      gx[i] = gy[i]·(Φ(x) + x·φ(x)),  Φ(x) = ½(1 + erf(x/√2)),  φ(x) = e^(−x²/2)/√(2π)
 * Four lanes at a time with f32x4, then the tail one at a time with the same formula in scalar f32 ops, so every
 * element gets the same bits wherever it falls (any split of [0, n) is bit-identical).
 *
 * erf(z) for float32: Eigen's rational approximation (generic_fast_erf_float), z clamped to [−4, 4] where
 * erf is ±1 in float32:  erf(z) ≈ z·P(z²)/Q(z²), P of degree 6 and Q of degree 4 in z².
 * Measured max |error| 3.7e-7 against a double-precision erf, so |Δgelu| ≲ 2e-7·|x| plus the rounding of y.
 * e^v for v ≤ 0 (φ only needs those): v clamped to ≥ −87, n = nearest(v·log₂e), r = v − n·ln2 (ln2 in two parts,
 * Cephes' expf split), e^r by its Taylor series to r⁷ (|r| ≤ ½ln2: truncation 2e-9), times 2ⁿ built in the exponent
 * bits ((n + 127) << 23).
 */
import { encodeModule } from './encoding.js';
import { type Expr, FunctionBuilder, type Local, f32, f32x4, forLoop, i32, i32x4, v128 } from './instructions.js';

const P = [-1.60960333262415e-2, -2.95459980854025e-3, -7.34990630326855e-4, -5.69250639462346e-5,
  -2.10102402082508e-6, 2.77068142495902e-8, -2.72614225801306e-10];
const Q = [-1.42647390514189e-2, -7.37332916720468e-3, -1.68282697438203e-3, -2.13374055278905e-4, -1.45660718464996e-5];

/** The arithmetic the formulas need, over one f32 or four (lane-wise the same IEEE operations). */
interface Arith {
  type: 'f32' | 'v128';
  c(x: number): Expr;
  add(a: Expr, b: Expr): Expr;
  sub(a: Expr, b: Expr): Expr;
  mul(a: Expr, b: Expr): Expr;
  div(a: Expr, b: Expr): Expr;
  min(a: Expr, b: Expr): Expr;
  max(a: Expr, b: Expr): Expr;
  nearest(a: Expr): Expr;
  /** 2ⁿ for a float n holding an integer in [−126, 127] */
  pow2(n: Expr): Expr;
  load(addr: Expr): Expr;
  store(addr: Expr, v: Expr): Expr;
}
const scalar: Arith = {
  type: 'f32', c: f32.const, add: f32.add, sub: f32.sub, mul: f32.mul, div: f32.div, min: f32.min, max: f32.max,
  nearest: f32.nearest,
  pow2: (n) => f32.reinterpretI32(i32.shl(i32.add(i32.truncSatF32(n), i32.const(127)), i32.const(23))),
  load: (a) => f32.load(a), store: (a, v) => f32.store(a, v),
};
const vector: Arith = {
  type: 'v128', c: f32x4.const, add: f32x4.add, sub: f32x4.sub, mul: f32x4.mul, div: f32x4.div, min: f32x4.min,
  max: f32x4.max, nearest: f32x4.nearest,
  pow2: (n) => i32x4.shl(i32x4.add(i32x4.truncSatF32x4(n), i32x4.splat(i32.const(127))), i32.const(23)),
  load: (a) => v128.load(a), store: (a, v) => v128.store(a, v),
};

const EXP_TAYLOR = [1, 1, 1 / 2, 1 / 6, 1 / 24, 1 / 120, 1 / 720, 1 / 5040];
const LN2_HI = 0.693359375, LN2_LO = -2.12194440e-4;

/** Statements leaving e^v in `out` for v ≤ 0 in local `v` (n, r scratch locals). */
function expNonPositive(A: Arith, v: Local, n: Local, r: Local, out: Local): Expr[] {
  return [
    v.set(A.max(A.c(-87), v.get())),
    n.set(A.nearest(A.mul(v.get(), A.c(Math.LOG2E)))),
    r.set(A.sub(A.sub(v.get(), A.mul(n.get(), A.c(LN2_HI))), A.mul(n.get(), A.c(LN2_LO)))),
    out.set(A.mul(horner(A, EXP_TAYLOR, r), A.pow2(n.get()))),
  ];
}

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

/** One element (or four) of the backward pass: gx = gy·(Φ(x) + x·φ(x)). */
function geluBackwardBody(f: FunctionBuilder, A: Arith, suffix: string, gy: Expr, x: Expr): { setup: Expr[]; value: Expr } {
  const L = (name: string) => f.local(name + suffix, A.type);
  const xl = L('bx'), z = L('bz'), z2 = L('bz2'), v = L('bv'), n = L('bn'), r = L('br'), e = L('be'), g = L('bg');
  const cdf = A.mul(A.c(0.5), A.add(A.c(1), A.div(A.mul(z.get(), horner(A, P, z2)), horner(A, Q, z2))));
  return {
    setup: [
      xl.set(x), g.set(gy),
      z.set(A.min(A.c(4), A.max(A.c(-4), A.mul(xl.get(), A.c(Math.SQRT1_2))))),
      z2.set(A.mul(z.get(), z.get())),
      v.set(A.mul(A.c(-0.5), A.mul(xl.get(), xl.get()))),
      ...expNonPositive(A, v, n, r, e),
    ],
    value: A.mul(g.get(), A.add(cdf, A.mul(xl.get(), A.mul(e.get(), A.c(1 / Math.sqrt(2 * Math.PI)))))),
  };
}

function geluBackwardFunction() {
  const f = new FunctionBuilder('geluBackward', { gy: 'i32', x: 'i32', gx: 'i32', n: 'i32' });
  const [gy, x, gx, n] = ['gy', 'x', 'gx', 'n'].map((p) => f.param(p));
  const i = f.local('i', 'i32'), end4 = f.local('end4', 'i32');
  const at = (base: Local): Expr => i32.add(base.get(), i32.shl(i.get(), i32.const(2)));
  const vec = geluBackwardBody(f, vector, 'V', vector.load(at(gy)), vector.load(at(x)));
  const one = geluBackwardBody(f, scalar, 'S', scalar.load(at(gy)), scalar.load(at(x)));
  return f.build([
    end4.set(i32.and(n.get(), i32.const(~3))),
    forLoop(i, i32.const(0), end4.get(), 4, ...vec.setup, vector.store(at(gx), vec.value)),
    forLoop(i, end4.get(), n.get(), 1, ...one.setup, scalar.store(at(gx), one.value)),
  ]);
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
  return encodeModule(memory, [f.build(body), geluBackwardFunction()]);
}
