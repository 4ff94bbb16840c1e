/**
 * Generates the WebAssembly GELU kernels (exact form, float32):
 *   gelu(src, dst, n):               dst[i] = ½·x·(1 + erf(x/√2)),  x = src[i], i < n   (byte addresses; may alias)
 *   geluBackward(gy, x, gx, n):      gx[i] = gy[i]·(Φ(x) + x·φ(x)),  Φ(x) = ½(1 + erf(x/√2)),  φ(x) = e^(−x²/2)/√(2π)
 * UNROLL·4 lanes at a time with f32x4, then the tail one at a time with the same formula in scalar f32 ops, so
 * every element gets the same bits wherever it falls (any split of [0, n) is bit-identical).
 *
 * erf(z) for float32: Eigen's rational approximation (generic_fast_erf_float), z clamped to [−4, 4] where
 * erf is ±1 in float32:  erf(z) ≈ z·P(z²)/Q(z²), P of degree 6 and Q of degree 4 in z².
 * Measured max |error| 3.7e-7 against a double-precision erf, so |Δgelu| ≲ 2e-7·|x| plus the rounding of y.
 * e^v for v ≤ 0 (φ only needs those): v clamped to ≥ −87, n = nearest(v·log₂e), r = v − n·ln2 (ln2 in two parts,
 * Cephes' expf split), e^r by its Taylor series to r⁷ (|r| ≤ ½ln2: truncation 2e-9), times 2ⁿ built in the exponent
 * bits: n + (1.5·2²³ + 127) is exact and holds n + 127 in its low mantissa bits, shifted left by 23 it is 2ⁿ.
 *
 * What the code generator does with these (V8 in Node 20, x64), and why the kernel is written as it is:
 * - a v128.const is rebuilt from a general register at every use (3 instructions), so the vector constants live
 *   in locals set once before the loop (a register, or one load from the stack);
 * - f32x4.min/max must propagate NaN and order ±0 (7 instructions each); the clamps use pmin/pmax (one minps/
 *   maxps each), which give the same value for every non-NaN input, and a NaN x still gives a NaN result,
 *   since x multiplies the result;
 * - i32x4.trunc_sat_f32x4_s saturates in software (8 instructions); 2ⁿ by the add above needs none;
 * - the loop carries UNROLL independent vectors so the long polynomial chains (and the division) overlap: the
 *   kernel is bound by their latency, not by memory (1.7 ns an element in L1 or from DRAM with 2 vectors);
 *   1 / 2 / 3 / 4 / 6 / 8 vectors measured 2.1-2.4 / 1.55-1.65 / 1.55 / 1.35 / 1.65-2.0 / 2.0-2.9 ns an element
 *   (CPU time, shared machine; past 4 the locals no longer fit the 16 xmm registers).
 * None of this changes a bit of the results.
 */
import { type Bytes, encodeModule } from '../emit/encoding.js';
import { type Expr, FunctionBuilder, type Local, f32, f32x4, forLoop, i32, i32x4, v128 } from '../emit/instructions.js';
import { heapMemoryImport } from '../features.js';

const P = [-1.60960333262415e-2, -2.95459980854025e-3, -7.34990630326855e-4, -5.69250639462346e-5,
  -2.10102402082508e-6, 2.77068142495902e-8, -2.72614225801306e-10];
const Q = [-1.42647390514189e-2, -7.37332916720468e-3, -1.68282697438203e-3, -2.13374055278905e-4, -1.45660718464996e-5];

const EXP_TAYLOR = [1, 1, 1 / 2, 1 / 6, 1 / 24, 1 / 120, 1 / 720, 1 / 5040];
const LN2_HI = 0.693359375, LN2_LO = -2.12194440e-4;
/** 1.5·2²³ + 127: added to an integer-valued float n ∈ [−126, 127], leaves n + 127 in the low mantissa bits. */
const EXP_BIAS_MAGIC = 1.5 * 2 ** 23 + 127;

/** Vectors per loop iteration. */
const UNROLL = 4;

/** The arithmetic the formulas need, over one f32 or four (lane-wise the same IEEE operations on finite values). */
interface Arith {
  type: 'f32' | 'v128';
  c(x: number): Expr;
  add(a: Expr, b: Expr): Expr;
  sub(a: Expr, b: Expr): Expr;
  mul(a: Expr, b: Expr): Expr;
  div(a: Expr, b: Expr): Expr;
  /** clamp(a, lo, hi) (NaN stays NaN) */
  clamp(a: Expr, lo: number, hi: number): Expr;
  /** max(a, lo) (NaN stays NaN) */
  atLeast(a: Expr, lo: number): Expr;
  nearest(a: Expr): Expr;
  /** 2ⁿ for a float n holding an integer in [−126, 127] */
  pow2(n: Expr): Expr;
  load(addr: Expr): Expr;
  store(addr: Expr, v: Expr): Expr;
}

const scalar: Arith = {
  type: 'f32', c: f32.const, add: f32.add, sub: f32.sub, mul: f32.mul, div: f32.div,
  clamp: (a, lo, hi) => f32.min(f32.const(hi), f32.max(f32.const(lo), a)),
  atLeast: (a, lo) => f32.max(f32.const(lo), a),
  nearest: f32.nearest,
  pow2: (n) => f32.reinterpretI32(i32.shl(i32.add(i32.truncSatF32(n), i32.const(127)), i32.const(23))),
  load: (a) => f32.load(a), store: (a, v) => f32.store(a, v),
};

const { pmin, pmax } = f32x4; // lane-wise, one instruction each on x64 (emit/instructions.ts)

/** f32x4 arithmetic whose constants are locals of `f`, set by `init()` (to be placed before the loop). */
function vectorArith(f: FunctionBuilder): Arith & { init(): Bytes[] } {
  const consts = new Map<number, Local>();
  const c = (x: number): Expr => {
    let l = consts.get(x);
    if (!l) consts.set(x, (l = f.local(`c${consts.size}`, 'v128')));
    return l.get();
  };
  return {
    type: 'v128', c, add: f32x4.add, sub: f32x4.sub, mul: f32x4.mul, div: f32x4.div,
    clamp: (a, lo, hi) => pmin(pmax(a, c(lo)), c(hi)),
    atLeast: (a, lo) => pmax(a, c(lo)),
    nearest: f32x4.nearest,
    pow2: (n) => i32x4.shl(f32x4.add(n, c(EXP_BIAS_MAGIC)), i32.const(23)),
    load: (a) => v128.load(a), store: (a, v) => v128.store(a, v),
    init: () => [...consts].map(([x, l]) => l.set(f32x4.const(x))),
  };
}

/** Statements leaving e^v in `out` for v ≤ 0 in local `v` (n, r scratch locals). */
function expNonPositive(A: Arith, v: Local, n: Local, r: Local, out: Local): Expr[] {
  return [
    v.set(A.atLeast(v.get(), -87)),
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

/** 1 + erf(z) for z = clamp(x/√2) in local z, z2 = z². */
function onePlusErf(A: Arith, z: Local, z2: Local): Expr {
  return A.add(A.c(1), A.div(A.mul(z.get(), horner(A, P, z2)), horner(A, Q, z2)));
}

/** One element (or four) of the forward pass: statements, then the value ½x·(1 + erf(x/√2)). */
function geluBody(f: FunctionBuilder, A: Arith, suffix: string, x: Expr): { setup: Expr[]; value: Expr } {
  const L = (name: string) => f.local(name + suffix, A.type);
  const xl = L('x'), z = L('z'), z2 = L('z2');
  return {
    setup: [
      xl.set(x),
      z.set(A.clamp(A.mul(xl.get(), A.c(Math.SQRT1_2)), -4, 4)),
      z2.set(A.mul(z.get(), z.get())),
    ],
    value: A.mul(A.mul(A.c(0.5), xl.get()), onePlusErf(A, z, z2)),
  };
}

/** One element (or four) of the backward pass: statements, then the value gy·(Φ(x) + x·φ(x)). */
function geluBackwardBody(f: FunctionBuilder, A: Arith, suffix: string, gy: Expr, x: Expr): { setup: Expr[]; value: Expr } {
  const L = (name: string) => f.local(name + suffix, A.type);
  const xl = L('bx'), z = L('bz'), z2 = L('bz2'), v = L('bv'), n = L('bn'), r = L('br'), e = L('be'), g = L('bg');
  const cdf = A.mul(A.c(0.5), onePlusErf(A, z, z2));
  return {
    setup: [
      xl.set(x), g.set(gy),
      z.set(A.clamp(A.mul(xl.get(), A.c(Math.SQRT1_2)), -4, 4)),
      z2.set(A.mul(z.get(), z.get())),
      v.set(A.mul(A.c(-0.5), A.mul(xl.get(), xl.get()))),
      ...expNonPositive(A, v, n, r, e),
    ],
    value: A.mul(g.get(), A.add(cdf, A.mul(xl.get(), A.mul(e.get(), A.c(1 / Math.sqrt(2 * Math.PI)))))),
  };
}

type Body = { setup: Expr[]; value: Expr };

/**
 * An element-wise function over n float32s: `inputs` byte addresses, then the output's, then n. The main loop
 * does UNROLL vectors (their setups first, then their stores), the second loop the remaining whole vectors, the
 * last the scalar tail.
 */
function elementwiseFunction(name: string, inputs: string[], body: (f: FunctionBuilder, A: Arith, suffix: string, at: Expr[]) => Body) {
  const params: Record<string, 'i32'> = {};
  for (const p of [...inputs, 'out', 'n']) params[p] = 'i32';
  const f = new FunctionBuilder(name, params);
  const ins = inputs.map((p) => f.param(p)), out = f.param('out'), n = f.param('n');
  const i = f.local('i', 'i32'), endU = f.local('endU', 'i32'), end4 = f.local('end4', 'i32');
  const at = (base: Local, k: number): Expr => i32.add(i32.add(base.get(), i32.shl(i.get(), i32.const(2))), i32.const(16 * k));
  const V = vectorArith(f);
  const unrolled = Array.from({ length: UNROLL }, (_, k) => body(f, V, `V${k}`, ins.map((b) => V.load(at(b, k)))));
  const single = body(f, V, 'V', ins.map((b) => V.load(at(b, 0))));
  const one = body(f, scalar, 'S', ins.map((b) => scalar.load(at(b, 0))));
  const loops = [
    endU.set(i32.sub(n.get(), i32.const(4 * UNROLL - 1))),
    end4.set(i32.and(n.get(), i32.const(~3))),
    forLoop(i, i32.const(0), endU.get(), 4 * UNROLL,
      ...unrolled.flatMap((b) => b.setup), ...unrolled.map((b, k) => V.store(at(out, k), b.value))),
    forLoop(i, i.get(), end4.get(), 4, ...single.setup, V.store(at(out, 0), single.value)),
    forLoop(i, i.get(), n.get(), 1, ...one.setup, scalar.store(at(out, 0), one.value)),
  ];
  return f.build([...V.init(), ...loops]);
}

export function geluModuleBytes(): Uint8Array {
  const gelu = elementwiseFunction('gelu', ['src'], (f, A, s, [x]) => geluBody(f, A, s, x));
  const backward = elementwiseFunction('geluBackward', ['gy', 'x'], (f, A, s, [gy, x]) => geluBackwardBody(f, A, s, gy, x));
  const memory = heapMemoryImport();
  return encodeModule(memory, [gelu, backward]);
}
