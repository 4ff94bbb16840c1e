/**
 * Generates the WebAssembly element-wise kernels for float32 data (byte addresses; n elements):
 *   add_vv(a, b, out, n)   out[i] = a[i] + b[i]       (likewise sub, mul, div)
 *   add_vs(a, v, out, n)   out[i] = a[i] + v          (v an f32 parameter: one operand constant along the row)
 *   add_sv(u, b, out, n)   out[i] = u + b[i]
 *   addN(list, k, out, n)  out[i] = ((x0[i] + x1[i]) + x2[i]) + … + x_{k−1}[i],  x_j at the i32 address list[j]
 *   bnApply(x, y, n, α, β) y[i] = f32(f64(x[i])·α + β)   (α, β f64 parameters)
 *
 * Same bits as the js kernels (src/tensor/kernels/broadcast-arith.ts, add-n.ts, batchnorm2d.ts): a JS float32
 * a + b, a·b, a − b, a / b is the double-precision result rounded to float32 on the store, which equals the
 * float32 operation (double has more than 2·24 + 2 bits, so the double rounding is harmless), and f32x4.add etc.
 * are IEEE lane-wise; addN keeps the left-to-right order with every partial sum rounded to float32. The BatchNorm
 * apply is computed in double as in JS (f64x2: promote two floats, multiply, add, demote with round-to-nearest).
 * Vector or scalar, every element gets the same operations, so any split of [0, n) gives the same bits.
 */
import { encodeModule, uleb } from './encoding.js';
import { type Expr, FunctionBuilder, type Local, f32, f32x4, forLoop, i32, v128 } from './instructions.js';

const simd = (code: number, ...operands: Expr[]): Expr => [...operands.flat(), 0xfd, ...uleb(code)];
/** The f64 and f64x2 instructions the BatchNorm apply needs (not in instructions.ts). */
const f64 = {
  add: (a: Expr, b: Expr): Expr => [...a, ...b, 0xa0],
  mul: (a: Expr, b: Expr): Expr => [...a, ...b, 0xa2],
  promoteF32: (a: Expr): Expr => [...a, 0xbb],
  demoteToF32: (a: Expr): Expr => [...a, 0xb6],
};
const f64x2 = {
  splat: (x: Expr) => simd(0x14, x),
  add: (a: Expr, b: Expr) => simd(0xf0, a, b),
  mul: (a: Expr, b: Expr) => simd(0xf2, a, b),
  /** the two low f32 lanes, widened to f64 */
  promoteLow: (a: Expr) => simd(0x5f, a),
  /** f64 lanes rounded to f32 in lanes 0, 1; lanes 2, 3 zero */
  demoteZero: (a: Expr) => simd(0x5e, a),
};
/** v128.load64_zero: two f32 from memory into lanes 0, 1.  v128.store64_lane 0: lanes 0, 1 to memory. */
const load2 = (addr: Expr): Expr => [...simd(0x5d, addr), 3, 0];
const store2 = (addr: Expr, v: Expr): Expr => [...simd(0x5b, addr, v), 3, 0, 0];

export const ARITH_OPS = ['add', 'sub', 'mul', 'div'] as const;
export type ArithName = (typeof ARITH_OPS)[number];
const VEC = { add: f32x4.add, sub: f32x4.sub, mul: f32x4.mul, div: f32x4.div };
const SCALAR = { add: f32.add, sub: f32.sub, mul: f32.mul, div: f32.div };

/** Elements of out that addN sums in place, one input at a time, while they sit in L1 (as the js kernel). */
const ADDN_BLOCK = 2048;

/** Address base + 4·(i + 4k): element i (plus k vectors) of the array at byte address `base`. */
const at = (base: Expr, i: Local, k = 0): Expr => i32.add(i32.add(base, i32.shl(i.get(), i32.const(2))), i32.const(16 * k));

/**
 * for i in [from, to): two vectors per iteration, then single vectors, then single elements. `vec(k)` is the
 * statement for vector k of the iteration (elements i + 4k .. i + 4k + 3), `one()` the one for element i.
 */
function stream(f: FunctionBuilder, tag: string, i: Local, from: Expr, to: Local, vec: (k: number) => Expr, one: () => Expr): Expr[] {
  const end8 = f.local(`end8${tag}`, 'i32'), end4 = f.local(`end4${tag}`, 'i32');
  return [
    i.set(from),
    end8.set(i32.sub(to.get(), i32.and(i32.sub(to.get(), i.get()), i32.const(7)))),
    end4.set(i32.sub(to.get(), i32.and(i32.sub(to.get(), i.get()), i32.const(3)))),
    forLoop(i, i.get(), end8.get(), 8, vec(0), vec(1)),
    forLoop(i, i.get(), end4.get(), 4, vec(0)),
    forLoop(i, i.get(), to.get(), 1, one()),
  ];
}

/** out = a (op) b with both operands arrays ('vv'), b a scalar ('vs') or a a scalar ('sv'). */
function arithFunction(op: ArithName, form: 'vv' | 'vs' | 'sv') {
  const params: Record<string, 'i32' | 'f32'> = form === 'vv' ? { a: 'i32', b: 'i32' } : form === 'vs' ? { a: 'i32', v: 'f32' } : { u: 'f32', b: 'i32' };
  const f = new FunctionBuilder(`${op}_${form}`, { ...params, out: 'i32', n: 'i32' });
  const out = f.param('out'), n = f.param('n'), i = f.local('i', 'i32');
  const splat = f.local('splat', 'v128');
  const V = VEC[op], S = SCALAR[op];
  let vec: (k: number) => Expr, one: () => Expr;
  const init: Expr[] = [];
  if (form === 'vv') {
    const a = f.param('a'), b = f.param('b');
    vec = (k) => v128.store(at(out.get(), i, k), V(v128.load(at(a.get(), i, k)), v128.load(at(b.get(), i, k))));
    one = () => f32.store(at(out.get(), i), S(f32.load(at(a.get(), i)), f32.load(at(b.get(), i))));
  } else if (form === 'vs') {
    const a = f.param('a'), v = f.param('v');
    init.push(splat.set(f32x4.splat(v.get())));
    vec = (k) => v128.store(at(out.get(), i, k), V(v128.load(at(a.get(), i, k)), splat.get()));
    one = () => f32.store(at(out.get(), i), S(f32.load(at(a.get(), i)), v.get()));
  } else {
    const u = f.param('u'), b = f.param('b');
    init.push(splat.set(f32x4.splat(u.get())));
    vec = (k) => v128.store(at(out.get(), i, k), V(splat.get(), v128.load(at(b.get(), i, k))));
    one = () => f32.store(at(out.get(), i), S(u.get(), f32.load(at(b.get(), i))));
  }
  return f.build([...init, ...stream(f, '', i, i32.const(0), n, vec, one)]);
}

/** addN(list, k ≥ 2, out, n): blocks of ADDN_BLOCK elements, out = x0 + x1, then out += x_j for j = 2 … k − 1. */
function addNFunction() {
  const f = new FunctionBuilder('addN', { list: 'i32', k: 'i32', out: 'i32', n: 'i32' });
  const list = f.param('list'), k = f.param('k'), out = f.param('out'), n = f.param('n');
  const b = f.local('b', 'i32'), e = f.local('e', 'i32'), i = f.local('i', 'i32'), j = f.local('j', 'i32');
  const x0 = f.local('x0', 'i32'), x1 = f.local('x1', 'i32'), xj = f.local('xj', 'i32');
  const pair = stream(f, 'p', i, b.get(), e,
    (q) => v128.store(at(out.get(), i, q), f32x4.add(v128.load(at(x0.get(), i, q)), v128.load(at(x1.get(), i, q)))),
    () => f32.store(at(out.get(), i), f32.add(f32.load(at(x0.get(), i)), f32.load(at(x1.get(), i)))));
  const acc = stream(f, 'a', i, b.get(), e,
    (q) => v128.store(at(out.get(), i, q), f32x4.add(v128.load(at(out.get(), i, q)), v128.load(at(xj.get(), i, q)))),
    () => f32.store(at(out.get(), i), f32.add(f32.load(at(out.get(), i)), f32.load(at(xj.get(), i)))));
  return f.build([
    x0.set(i32.load(list.get())),
    x1.set(i32.load(list.get(), 4)),
    forLoop(b, i32.const(0), n.get(), ADDN_BLOCK,
      e.set(i32.select(n.get(), i32.add(b.get(), i32.const(ADDN_BLOCK)), i32.ltS(n.get(), i32.add(b.get(), i32.const(ADDN_BLOCK))))),
      ...pair,
      forLoop(j, i32.const(2), k.get(), 1,
        xj.set(i32.load(i32.add(list.get(), i32.shl(j.get(), i32.const(2))))),
        ...acc)),
  ]);
}

/** bnApply(x, y, n, α, β): y[i] = f32(f64(x[i])·α + β), two floats per f64x2. */
function bnApplyFunction() {
  const f = new FunctionBuilder('bnApply', { x: 'i32', y: 'i32', n: 'i32', alpha: 'f64', beta: 'f64' });
  const x = f.param('x'), y = f.param('y'), n = f.param('n'), alpha = f.param('alpha'), beta = f.param('beta');
  const i = f.local('i', 'i32'), va = f.local('va', 'v128'), vb = f.local('vb', 'v128');
  const half = (k: number): Expr => {
    const addr = (base: Local) => i32.add(at(base.get(), i), i32.const(8 * k));
    return store2(addr(y), f64x2.demoteZero(f64x2.add(f64x2.mul(f64x2.promoteLow(load2(addr(x))), va.get()), vb.get())));
  };
  const vec = (k: number): Expr => [...half(2 * k), ...half(2 * k + 1)];
  const one = (): Expr => f32.store(at(y.get(), i), f64.demoteToF32(f64.add(f64.mul(f64.promoteF32(f32.load(at(x.get(), i))), alpha.get()), beta.get())));
  return f.build([va.set(f64x2.splat(alpha.get())), vb.set(f64x2.splat(beta.get())), ...stream(f, '', i, i32.const(0), n, vec, one)]);
}

export function elementwiseModuleBytes(): Uint8Array {
  const arith = ARITH_OPS.flatMap((op) => (['vv', 'vs', 'sv'] as const).map((form) => arithFunction(op, form)));
  const memory = { module: 'env', field: 'memory', initialPages: 1, maximumPages: 65536, shared: true };
  return encodeModule(memory, [...arith, addNFunction(), bnApplyFunction()]);
}
