/**
 * Generates the WebAssembly element-wise kernels for float32 data (byte addresses; n elements):
 *   add_vv(a, b, out, n)   out[i] = a[i] + b[i]       (likewise sub, mul, div, max, min)
 *   add_vs(a, v, out, n)   out[i] = a[i] + v          (v an f32 parameter: one operand constant along the row)
 *   add_sv(u, b, out, n)   out[i] = u + b[i]
 *   addN(list, k, out, n)  out[i] = ((x0[i] + x1[i]) + x2[i]) + … + x_{k−1}[i],  x_j at the i32 address list[j]
 *   relu(x, out, n)        out[i] = max(x[i], 0): IEEE maximum, so NaN stays NaN and −0 gives +0, as the js loop
 *   reluBackward(gy, y, out, n)   out[i] = y[i] > 0 ? gy[i] : +0 (a lane mask and'ed with gy)
 *   whereI(c, a, b, out, n) out[i] = c[i] ≠ 0 ? a[i] : b[i], c int32 (a lane mask selecting bits: exact copies)
 *   whereF(c, a, b, out, n) the same with c float32 (NaN counts as true, ±0 as false, as bool(x))
 *   bnApply(x, y, n, α, β) y[i] = f32(f64(x[i])·α + β)   (α, β f64 parameters)
 *   bilinearPlane(x, y, W, oH, oW, tw, th, buf)   one plane of the bilinear resize (see bilinearPlaneFunction)
 *   bilinearBackwardPlane(gy, gx, H, W, oH, oW, tw, th)   its adjoint on one plane (bilinearBackward's order)
 *   colDots(g, x, out, K, stride, n, buf)        out[j] = f32(Σ_k g[k, j]·x[k, j]) in double, k in order from 0
 *   bnStats(x, N, stride, HW, K, out)            out = [Σ d, Σ d²],  d = x − K over one channel's N planes (double)
 *   bnGradSums(gy, x, N, stride, HW, μ, out)     out = [Σ gy, Σ gy·(x − μ)]                              (double)
 *   bnGradTrain(gy, x, gx, n, μ, ḡ, k, s)        gx[i] = f32(((gy[i] − ḡ) − (x[i] − μ)·k)·s)            (double)
 *
 * Same bits as the js kernels (src/kernels/broadcast-arith.ts, add-n.ts, batchnorm2d.ts): a JS float32
 * a + b, a·b, a − b, a / b is the double-precision result rounded to float32 on the store, which equals the
 * float32 operation (double has more than 2·24 + 2 bits, so the double rounding is harmless), and f32x4.add etc.
 * are IEEE lane-wise; addN keeps the left-to-right order with every partial sum rounded to float32. The BatchNorm
 * apply is computed in double as in JS (f64x2: promote two floats, multiply, add, demote with round-to-nearest).
 * Vector or scalar, every element gets the same operations, so any split of [0, n) gives the same bits.
 */
import { encodeModule } from '../emit/encoding.js';
import {
  type Expr, FunctionBuilder, type Local, f32, f32x4, f64, f64x2, forLoop, i32, i32x4, ifThen, memory, shuffleF32, v128, whileLoop,
} from '../emit/instructions.js';
import { heapMemoryImport } from '../features.js';

/** f32 lanes 0, 1 from memory / to memory (the BatchNorm apply widens two floats at a time to f64x2). */
const load2 = (addr: Expr): Expr => v128.load64Zero(addr);
const store2 = (addr: Expr, v: Expr): Expr => v128.store64Lane(addr, v);

/** In the order of kernels/broadcast-arith.ts's op codes. max / min: IEEE maximum / minimum (NaN propagates, +0 above −0), as Math.max / min. */
export const ARITH_OPS = ['add', 'sub', 'mul', 'div', 'max', 'min'] as const;
export type ArithName = (typeof ARITH_OPS)[number];
const VEC = { add: f32x4.add, sub: f32x4.sub, mul: f32x4.mul, div: f32x4.div, max: f32x4.max, min: f32x4.min };
const SCALAR = { add: f32.add, sub: f32.sub, mul: f32.mul, div: f32.div, max: f32.max, min: f32.min };

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

/** relu(x, out, n): out = max(x, 0) (see the file comment). */
function reluFunction() {
  const f = new FunctionBuilder('relu', { x: 'i32', out: 'i32', n: 'i32' });
  const x = f.param('x'), out = f.param('out'), n = f.param('n'), i = f.local('i', 'i32'), zero = f.local('zero', 'v128');
  return f.build([zero.set(v128.zero()), ...stream(f, '', i, i32.const(0), n,
    (k) => v128.store(at(out.get(), i, k), f32x4.max(v128.load(at(x.get(), i, k)), zero.get())),
    () => f32.store(at(out.get(), i), f32.max(f32.load(at(x.get(), i)), f32.const(0))))]);
}

/** reluBackward(gy, y, out, n): out = y > 0 ? gy : +0. */
function reluBackwardFunction() {
  const f = new FunctionBuilder('reluBackward', { gy: 'i32', y: 'i32', out: 'i32', n: 'i32' });
  const gy = f.param('gy'), y = f.param('y'), out = f.param('out'), n = f.param('n'), i = f.local('i', 'i32');
  const zero = f.local('zero', 'v128');
  return f.build([zero.set(v128.zero()), ...stream(f, '', i, i32.const(0), n,
    (k) => v128.store(at(out.get(), i, k), v128.and(v128.load(at(gy.get(), i, k)), f32x4.gt(v128.load(at(y.get(), i, k)), zero.get()))),
    () => f32.store(at(out.get(), i), f32.select(f32.load(at(gy.get(), i)), f32.const(0), f32.gt(f32.load(at(y.get(), i)), f32.const(0)))))]);
}

/** whereI / whereF (c, a, b, out, n): out = c ≠ 0 ? a : b, c int32 or float32, a, b, out float32 (bits copied). */
function whereFunction(cond: 'i32' | 'f32') {
  const f = new FunctionBuilder(cond === 'i32' ? 'whereI' : 'whereF', { c: 'i32', a: 'i32', b: 'i32', out: 'i32', n: 'i32' });
  const c = f.param('c'), a = f.param('a'), b = f.param('b'), out = f.param('out'), n = f.param('n'), i = f.local('i', 'i32');
  const zero = f.local('zero', 'v128');
  const mask = (v: Expr): Expr => (cond === 'i32' ? i32x4.ne(v, zero.get()) : f32x4.ne(v, zero.get()));
  const test = (addr: Expr): Expr => (cond === 'i32' ? i32.ne(i32.load(addr), i32.const(0)) : f32.ne(f32.load(addr), f32.const(0)));
  return f.build([zero.set(v128.zero()), ...stream(f, '', i, i32.const(0), n,
    (k) => v128.store(at(out.get(), i, k), v128.bitselect(v128.load(at(a.get(), i, k)), v128.load(at(b.get(), i, k)), mask(v128.load(at(c.get(), i, k))))),
    () => f32.store(at(out.get(), i), f32.select(f32.load(at(a.get(), i)), f32.load(at(b.get(), i)), test(at(c.get(), i)))))]);
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

/**
 * bilinearPlane(x, y, W, oH, oW, tw, th, buf): plane y [oH, oW] from plane x [·, W], as bilinearForward in
 * kernels/upsample2d.ts:  y[oh, ow] = f32(h0·A + h1·B),  A = w0·x[r0, c0] + w1·x[r0, c1],  B the same on row r1,
 * all in double. tw, th: addresses of the axis tables, each i0 (i32[len]), i1 (i32[len]), l0 (f64[len]), l1 (f64[len])
 * back to back (len = oW, oH). The horizontal sums of an input row r (A or B, one double per output column) are
 * made once into buf + (r mod 2)·8·oW and kept while consecutive output rows use r (r1 ∈ {r0, r0 + 1}, so the two
 * rows an output row needs are in different halves); the vertical combination runs two columns per f64x2.
 */
function bilinearPlaneFunction() {
  const f = new FunctionBuilder('bilinearPlane', { x: 'i32', y: 'i32', W: 'i32', oH: 'i32', oW: 'i32', tw: 'i32', th: 'i32', buf: 'i32' });
  const [x, y, W, oH, oW, tw, th, buf] = ['x', 'y', 'W', 'oH', 'oW', 'tw', 'th', 'buf'].map((n) => f.param(n));
  const L = (n: string, t: 'i32' | 'f64' | 'v128' = 'i32') => f.local(n, t);
  const oh = L('oh'), ow = L('ow'), r0 = L('r0'), r1 = L('r1'), even = L('even'), odd = L('odd'), xr = L('xr'), dst = L('dst');
  const p0 = L('p0'), p1 = L('p1'), yo = L('yo'), end2 = L('end2'), h0 = L('h0', 'f64'), h1 = L('h1', 'f64');
  const vh0 = L('vh0', 'v128'), vh1 = L('vh1', 'v128');
  const c = (n: number) => i32.const(n);
  // table k (0: i0, 1: i1, 2: l0, 3: l1) of the axis at `base` with `len` entries, element at index e
  const i0At = (base: Local, e: Expr) => i32.load(i32.add(base.get(), i32.shl(e, c(2))));
  const i1At = (base: Local, len: Local, e: Expr) => i32.load(i32.add(i32.add(base.get(), i32.shl(len.get(), c(2))), i32.shl(e, c(2))));
  const lAt = (base: Local, len: Local, k: 0 | 1, e: Expr) =>
    f64.load(i32.add(i32.add(base.get(), i32.shl(len.get(), c(3 + k))), i32.shl(e, c(3))));
  const half = (r: Local) => i32.add(buf.get(), i32.mul(i32.and(r.get(), c(1)), i32.shl(oW.get(), c(3))));
  const xAt = (col: Expr) => f64.promoteF32(f32.load(i32.add(xr.get(), i32.shl(col, c(2)))));
  /** Horizontal sums of input row r into its half of buf, unless that half holds them already. */
  const ensure = (r: Local): Expr => {
    const held = (l: Local) => ifThen(i32.ne(l.get(), r.get()), [
      l.set(r.get()),
      xr.set(i32.add(x.get(), i32.shl(i32.mul(r.get(), W.get()), c(2)))),
      dst.set(half(r)),
      forLoop(ow, c(0), oW.get(), 1,
        f64.store(i32.add(dst.get(), i32.shl(ow.get(), c(3))), f64.add(
          f64.mul(lAt(tw, oW, 0, ow.get()), xAt(i0At(tw, ow.get()))),
          f64.mul(lAt(tw, oW, 1, ow.get()), xAt(i1At(tw, oW, ow.get())))))),
    ]);
    return ifThen(i32.and(r.get(), c(1)), [held(odd)], [held(even)]);
  };
  const col = (p: Local, k: number) => i32.add(i32.add(p.get(), i32.shl(ow.get(), c(3))), c(16 * k));
  const out = (k: number) => i32.add(i32.add(yo.get(), i32.shl(ow.get(), c(2))), c(8 * k));
  return f.build([
    even.set(c(-1)), odd.set(c(-1)), yo.set(y.get()),
    end2.set(i32.and(oW.get(), c(~1))),
    forLoop(oh, c(0), oH.get(), 1,
      r0.set(i0At(th, oh.get())), r1.set(i1At(th, oH, oh.get())),
      ensure(r0), ensure(r1),
      h0.set(lAt(th, oH, 0, oh.get())), h1.set(lAt(th, oH, 1, oh.get())),
      vh0.set(f64x2.splat(h0.get())), vh1.set(f64x2.splat(h1.get())),
      p0.set(half(r0)), p1.set(half(r1)),
      forLoop(ow, c(0), end2.get(), 2,
        store2(out(0), f64x2.demoteZero(f64x2.add(f64x2.mul(vh0.get(), v128.load(col(p0, 0))), f64x2.mul(vh1.get(), v128.load(col(p1, 0))))))),
      forLoop(ow, ow.get(), oW.get(), 1,
        f32.store(out(0), f64.demoteToF32(f64.add(f64.mul(h0.get(), f64.load(col(p0, 0))), f64.mul(h1.get(), f64.load(col(p1, 0))))))),
      yo.set(i32.add(yo.get(), i32.shl(oW.get(), c(2))))),
  ]);
}

/**
 * bilinearBackwardPlane(gy, gx, H, W, oH, oW, tw, th): gx [H, W] = Aᵀ·gy for one plane, as bilinearBackward: gx
 * zeroed, then for each (oh, ow) in order the four contributions h_a·w_b·v (double, (h·w)·v) added to
 * gx[r_a, c_b] in the order (r0, c0), (r0, c1), (r1, c0), (r1, c1), each sum rounded to float32 on its store. The
 * scatter order is the result (repeated addresses accumulate), so this stays scalar.
 */
function bilinearBackwardPlaneFunction() {
  const f = new FunctionBuilder('bilinearBackwardPlane', { gy: 'i32', gx: 'i32', H: 'i32', W: 'i32', oH: 'i32', oW: 'i32', tw: 'i32', th: 'i32' });
  const [gy, gx, H, W, oH, oW, tw, th] = ['gy', 'gx', 'H', 'W', 'oH', 'oW', 'tw', 'th'].map((n) => f.param(n));
  const L = (n: string, t: 'i32' | 'f64' = 'i32') => f.local(n, t);
  const oh = L('oh'), ow = L('ow'), r0 = L('r0'), r1 = L('r1'), c0 = L('c0'), c1 = L('c1'), yo = L('yo');
  const h0 = L('h0', 'f64'), h1 = L('h1', 'f64'), w0 = L('w0', 'f64'), w1 = L('w1', 'f64'), v = L('v', 'f64');
  const c = (n: number) => i32.const(n);
  const i1Off = (len: Local) => i32.shl(len.get(), c(2));
  const idx = (base: Local, off: Expr, e: Local) => i32.load(i32.add(i32.add(base.get(), off), i32.shl(e.get(), c(2))));
  const lam = (base: Local, len: Local, k: 0 | 1, e: Local) => f64.load(i32.add(i32.add(base.get(), i32.shl(len.get(), c(3 + k))), i32.shl(e.get(), c(3))));
  const addTo = (addr: Expr, h: Local, w: Local): Expr =>
    f32.store(addr, f64.demoteToF32(f64.add(f64.promoteF32(f32.load(addr)), f64.mul(f64.mul(h.get(), w.get()), v.get()))));
  return f.build([
    memory.fill(gx.get(), c(0), i32.shl(i32.mul(H.get(), W.get()), c(2))),
    yo.set(gy.get()),
    forLoop(oh, c(0), oH.get(), 1,
      r0.set(i32.add(gx.get(), i32.shl(i32.mul(idx(th, c(0), oh), W.get()), c(2)))),
      r1.set(i32.add(gx.get(), i32.shl(i32.mul(idx(th, i1Off(oH), oh), W.get()), c(2)))),
      h0.set(lam(th, oH, 0, oh)), h1.set(lam(th, oH, 1, oh)),
      forLoop(ow, c(0), oW.get(), 1,
        c0.set(i32.shl(idx(tw, c(0), ow), c(2))), c1.set(i32.shl(idx(tw, i1Off(oW), ow), c(2))),
        w0.set(lam(tw, oW, 0, ow)), w1.set(lam(tw, oW, 1, ow)),
        v.set(f64.promoteF32(f32.load(yo.get()))),
        addTo(i32.add(r0.get(), c0.get()), h0, w0),
        addTo(i32.add(r0.get(), c1.get()), h0, w1),
        addTo(i32.add(r1.get(), c0.get()), h1, w0),
        addTo(i32.add(r1.get(), c1.get()), h1, w1),
        yo.set(i32.add(yo.get(), c(4))))),
  ]);
}

/**
 * A per-channel pair of double sums over N planes of HW floats (plane b at byte offset b·stride), kept as
 * batchnorm2d.ts keeps them: four partial sums per quantity by element index mod 4 within the plane (lanes 0, 1
 * of one f64x2, 2, 3 of another), the plane's tail added to partial sum 0, and the total (s0 + s1) + (s2 + s3).
 * `terms(v)` gives the addends (one or two quantities) from the f64 values v of the inputs (f64x2 or f64 alike);
 * the totals are stored as f64 at out (and out + 8).
 */
function channelSumsFunction(name: string, inputs: string[], terms: (v: Expr[], c: Expr, sub: typeof f64.sub, mul: typeof f64.mul) => [Expr] | [Expr, Expr]) {
  const params: Record<string, 'i32' | 'f64'> = {};
  for (const p of inputs) params[p] = 'i32';
  Object.assign(params, { N: 'i32', stride: 'i32', HW: 'i32', c: 'f64', out: 'i32' });
  const f = new FunctionBuilder(name, params);
  const ins = inputs.map((p) => f.param(p)), N = f.param('N'), stride = f.param('stride'), HW = f.param('HW'), cst = f.param('c'), out = f.param('out');
  const b = f.local('b', 'i32'), base = f.local('base', 'i32'), i = f.local('i', 'i32'), end4 = f.local('end4', 'i32'), vc = f.local('vc', 'v128');
  const acc = [0, 1, 2, 3].map((k) => f.local(`acc${k}`, 'v128')); // [A01, A23, B01, B23]
  const addr = (p: Local, h: number) => i32.add(i32.add(p.get(), base.get()), i32.add(i32.shl(i.get(), i32.const(2)), i32.const(8 * h)));
  const vecHalf = (h: number): Expr[] =>
    terms(ins.map((p) => f64x2.promoteLow(load2(addr(p, h)))), vc.get(), f64x2.sub, f64x2.mul).map((t, q) => acc[2 * q + h].set(f64x2.add(acc[2 * q + h].get(), t)));
  const scalarTerms = terms(ins.map((p) => f64.promoteF32(f32.load(addr(p, 0)))), cst.get(), f64.sub, f64.mul);
  const total = (lo: Local, hi: Local) =>
    f64.add(f64.add(f64x2.lane(lo.get(), 0), f64x2.lane(lo.get(), 1)), f64.add(f64x2.lane(hi.get(), 0), f64x2.lane(hi.get(), 1)));
  return f.build([
    vc.set(f64x2.splat(cst.get())),
    end4.set(i32.and(HW.get(), i32.const(~3))),
    forLoop(b, i32.const(0), N.get(), 1,
      base.set(i32.mul(b.get(), stride.get())),
      forLoop(i, i32.const(0), end4.get(), 4, ...vecHalf(0), ...vecHalf(1)),
      forLoop(i, i.get(), HW.get(), 1,
        ...scalarTerms.map((t, q) => acc[2 * q].set(f64x2.withLane(acc[2 * q].get(), 0, f64.add(f64x2.lane(acc[2 * q].get(), 0), t)))))),
    ...scalarTerms.map((_, q) => f64.store(i32.add(out.get(), i32.const(8 * q)), total(acc[2 * q], acc[2 * q + 1]))),
  ]);
}

/** Output elements whose double sums colDots keeps in its buffer while it walks the K rows. */
export const COLDOTS_BLOCK = 512;

/**
 * colDots(g, x, out, K, stride, n, buf): out[j] = f32(Σ_k g[k·stride + j]·x[k·stride + j]) for j < n (stride in
 * bytes): the sum starts at 0 and adds k = 0, 1, … in order in double, as mulSumTo's per-element accumulation (a
 * [N, 1, H, W] gate's gradient sums over the channels). Blocks of COLDOTS_BLOCK outputs: their sums sit in buf
 * (f64) while the K rows stream past, two per f64x2.
 */
function colDotsFunction() {
  const f = new FunctionBuilder('colDots', { g: 'i32', x: 'i32', out: 'i32', K: 'i32', stride: 'i32', n: 'i32', buf: 'i32' });
  const [g, x, out, K, stride, n, buf] = ['g', 'x', 'out', 'K', 'stride', 'n', 'buf'].map((p) => f.param(p));
  const b = f.local('b', 'i32'), e = f.local('e', 'i32'), e2 = f.local('e2', 'i32'), j = f.local('j', 'i32'), k = f.local('k', 'i32'), row = f.local('row', 'i32');
  const c = (v: number) => i32.const(v);
  const el = (base: Expr, scale: number) => i32.add(base, i32.shl(j.get(), c(scale)));
  const acc = (base: Local) => i32.add(base.get(), i32.shl(i32.sub(j.get(), b.get()), c(3)));
  const inRow = (p: Local) => i32.add(p.get(), row.get());
  return f.build([
    forLoop(b, c(0), n.get(), COLDOTS_BLOCK,
      e.set(i32.select(n.get(), i32.add(b.get(), c(COLDOTS_BLOCK)), i32.ltS(n.get(), i32.add(b.get(), c(COLDOTS_BLOCK))))),
      e2.set(i32.sub(e.get(), i32.and(i32.sub(e.get(), b.get()), c(1)))),
      memory.fill(buf.get(), c(0), i32.shl(i32.sub(e.get(), b.get()), c(3))),
      forLoop(k, c(0), K.get(), 1,
        row.set(i32.mul(k.get(), stride.get())),
        forLoop(j, b.get(), e2.get(), 2,
          v128.store(acc(buf), f64x2.add(v128.load(acc(buf)),
            f64x2.mul(f64x2.promoteLow(load2(el(inRow(g), 2))), f64x2.promoteLow(load2(el(inRow(x), 2))))))),
        forLoop(j, j.get(), e.get(), 1,
          f64.store(acc(buf), f64.add(f64.load(acc(buf)),
            f64.mul(f64.promoteF32(f32.load(el(inRow(g), 2))), f64.promoteF32(f32.load(el(inRow(x), 2)))))))),
      forLoop(j, b.get(), e2.get(), 2, store2(el(out.get(), 2), f64x2.demoteZero(v128.load(acc(buf))))),
      forLoop(j, j.get(), e.get(), 1, f32.store(el(out.get(), 2), f64.demoteToF32(f64.load(acc(buf)))))),
  ]);
}

/** bnGradTrain(gy, x, gx, n, μ, ḡ, k, s): gx = f32(((gy − ḡ) − (x − μ)·k)·s), as batchNorm2dBackward's training pass. */
function bnGradTrainFunction() {
  const f = new FunctionBuilder('bnGradTrain', { gy: 'i32', x: 'i32', gx: 'i32', n: 'i32', m: 'f64', mg: 'f64', k: 'f64', s: 'f64' });
  const [gy, x, gx, n] = ['gy', 'x', 'gx', 'n'].map((p) => f.param(p));
  const sc = ['m', 'mg', 'k', 's'].map((p) => f.param(p));
  const i = f.local('i', 'i32');
  const vs = sc.map((p) => f.local(`v${p.index}`, 'v128'));
  const formula = (g: Expr, xv: Expr, [m, mg, k, s]: Expr[], sub: typeof f64.sub, mul: typeof f64.mul) => mul(sub(sub(g, mg), mul(sub(xv, m), k)), s);
  const half = (h: number): Expr => {
    const addr = (p: Local) => i32.add(at(p.get(), i), i32.const(8 * h));
    return store2(addr(gx), f64x2.demoteZero(formula(f64x2.promoteLow(load2(addr(gy))), f64x2.promoteLow(load2(addr(x))), vs.map((v) => v.get()), f64x2.sub, f64x2.mul)));
  };
  const one = (): Expr => f32.store(at(gx.get(), i), f64.demoteToF32(formula(f64.promoteF32(f32.load(at(gy.get(), i))), f64.promoteF32(f32.load(at(x.get(), i))), sc.map((p) => p.get()), f64.sub, f64.mul)));
  return f.build([...sc.map((p, j) => vs[j].set(f64x2.splat(p.get()))), ...stream(f, '', i, i32.const(0), n, (k) => [...half(2 * k), ...half(2 * k + 1)], one)]);
}

/**
 * bnFoldBefore(w, W, outs, cin, taps, s, t, shift): a BN folded into the conv after it (batchNormFoldWeights,
 * 'before'), for `outs` output channels that share their group's `cin` input channels (s, t: f64 per input channel;
 * shift: f64 per output channel, holding b[o] on entry):
 *   W[o, c, k] = f32(f64(w[o, c, k])·s[c]),   shift[o] += Σ_{c, k} f64(w[o, c, k])·t[c]   (c, then k, in order)
 * Scalar, in the loop's order, so the same bits as the loop.
 */
function bnFoldBeforeFunction() {
  const f = new FunctionBuilder('bnFoldBefore', { w: 'i32', W: 'i32', outs: 'i32', cin: 'i32', taps: 'i32', s: 'i32', t: 'i32', shift: 'i32' });
  const [w, W, outs, cin, taps, s, t, shift] = ['w', 'W', 'outs', 'cin', 'taps', 's', 't', 'shift'].map((p) => f.param(p));
  const o = f.local('o', 'i32'), c = f.local('c', 'i32'), k = f.local('k', 'i32');
  const acc = f.local('acc', 'f64'), sc = f.local('sc', 'f64'), tc = f.local('tc', 'f64'), v = f.local('v', 'f64');
  const shiftAt = (): Expr => i32.add(shift.get(), i32.shl(o.get(), i32.const(3)));
  const channel = (base: Local): Expr => f64.load(i32.add(base.get(), i32.shl(c.get(), i32.const(3))));
  return f.build([
    forLoop(o, i32.const(0), outs.get(), 1,
      acc.set(f64.load(shiftAt())),
      forLoop(c, i32.const(0), cin.get(), 1,
        sc.set(channel(s)),
        tc.set(channel(t)),
        forLoop(k, i32.const(0), taps.get(), 1,
          v.set(f64.promoteF32(f32.load(w.get()))),
          f32.store(W.get(), f64.demoteToF32(f64.mul(v.get(), sc.get()))),
          acc.set(f64.add(acc.get(), f64.mul(v.get(), tc.get()))),
          w.inc(4),
          W.inc(4))),
      f64.store(shiftAt(), acc.get())),
  ]);
}

/**
 * gatherRows(x, col, rows, cols, rowStride, step, colStride): im2col's inner loops for one tap (kernels/conv2d-gemm.ts
 * TapCopy), in bytes: for r < rows, j < cols: col[r·colStride + 4j] = x[r·rowStride + j·step]. Copies, so the same
 * bits whatever the path: four at a time for step 4 (v128) and step 8 (two loads, the even lanes; the vector loop
 * stops while one element is left, so its second load ends inside x), one at a time otherwise and for the tail.
 */
function gatherRowsFunction() {
  const f = new FunctionBuilder('gatherRows', { x: 'i32', col: 'i32', rows: 'i32', cols: 'i32', rowStride: 'i32', step: 'i32', colStride: 'i32' });
  const [x, col, rows, cols, rowStride, step, colStride] = ['x', 'col', 'rows', 'cols', 'rowStride', 'step', 'colStride'].map((p) => f.param(p));
  const r = f.local('r', 'i32'), j = f.local('j', 'i32'), p = f.local('p', 'i32'), q = f.local('q', 'i32');
  const quads = (width: number, value: Expr): Expr => whileLoop(i32.ltS(i32.add(j.get(), i32.const(width === 4 ? 3 : 4)), cols.get()),
    v128.store(q.get(), value), p.inc(4 * width), q.inc(16), j.inc(4));
  return f.build([
    forLoop(r, i32.const(0), rows.get(), 1,
      p.set(x.get()), q.set(col.get()), j.set(i32.const(0)),
      ifThen(i32.eq(step.get(), i32.const(4)), [quads(4, v128.load(p.get()))]),
      ifThen(i32.eq(step.get(), i32.const(8)), [quads(8, shuffleF32(v128.load(p.get()), v128.load(p.get(), 16), [0, 2, 4, 6]))]),
      whileLoop(i32.ltS(j.get(), cols.get()), f32.store(q.get(), f32.load(p.get())), p.inc(step.get()), q.inc(4), j.inc(1)),
      x.inc(rowStride.get()), col.inc(colStride.get())),
  ]);
}

/**
 * adamStep(p, g, m, v, vMax, n, stepSize, bc2Sqrt, decay, l2, omb1, b2, omb2, eps): one Adam / AdamW step over n
 * float32 elements, kernels/adam.ts's loop (vMax = 0: no amsgrad; omb1 = 1 − β1 and omb2 = 1 − β2 as the loop
 * computes them): the same double operations on the same stored values, in its order, so the same bits. Two
 * elements at a time in f64x2 (the square root and the two divisions are the cost: lane-wise they are the scalar
 * operations), then one; the same formula, written once over either.
 */
function adamStepFunction() {
  const f = new FunctionBuilder('adamStep', {
    p: 'i32', g: 'i32', m: 'i32', v: 'i32', vMax: 'i32', n: 'i32',
    stepSize: 'f64', bc2Sqrt: 'f64', decay: 'f64', l2: 'f64', omb1: 'f64', b2: 'f64', omb2: 'f64', eps: 'f64',
  });
  const [p, g, m, v, vMax, n, stepSize, bc2Sqrt, decay, l2, omb1, b2, omb2, eps] =
    ['p', 'g', 'm', 'v', 'vMax', 'n', 'stepSize', 'bc2Sqrt', 'decay', 'l2', 'omb1', 'b2', 'omb2', 'eps'].map((x) => f.param(x));
  const i = f.local('i', 'i32');
  /** The loop body over one f64 (scalar) or two (f64x2 lanes); the constants are splat once for the pair. */
  const body = (pair: boolean): { setup: Expr[]; step: Expr[] } => {
    const t = pair ? 'v128' : 'f64', tag = pair ? '2' : '1';
    const [pi, gi, mi, vHat] = ['pi', 'gi', 'mi', 'vHat'].map((x) => f.local(x + tag, t));
    const consts = [stepSize, bc2Sqrt, decay, l2, omb1, b2, omb2, eps];
    const K = pair ? consts.map((_, k) => f.local(`k${k}`, 'v128')) : consts; // the pair's splats, or the params
    const [cStep, cBc2, cDecay, cL2, cOmb1, cB2, cOmb2, cEps] = K;
    const A = pair ? f64x2 : f64;
    const read = (base: Local): Expr => (pair ? f64x2.promoteLow(load2(at(base.get(), i))) : f64.promoteF32(f32.load(at(base.get(), i))));
    const write = (base: Local, x: Expr): Expr => (pair ? store2(at(base.get(), i), f64x2.demoteZero(x)) : f32.store(at(base.get(), i), f64.demoteToF32(x)));
    const setup = pair ? consts.map((c, k) => K[k].set(f64x2.splat(c.get()))) : [];
    const step: Expr[] = [
      // p ← p·decay (stored, then read back as the loop's p[i] is)
      ifThen(f64.ne(decay.get(), f64.const(1)), [write(p, A.mul(read(p), cDecay.get()))]),
      pi.set(read(p)),
      gi.set(read(g)),
      ifThen(f64.ne(l2.get(), f64.const(0)), [gi.set(A.add(gi.get(), A.mul(cL2.get(), pi.get())))]),
      mi.set(read(m)),
      write(m, A.add(mi.get(), A.mul(cOmb1.get(), A.sub(gi.get(), mi.get())))),
      write(v, A.add(A.mul(cB2.get(), read(v)), A.mul(A.mul(cOmb2.get(), gi.get()), gi.get()))),
      vHat.set(read(v)),
      ifThen(vMax.get(), [vHat.set(A.max(read(vMax), vHat.get())), write(vMax, vHat.get())]),
      write(p, A.sub(pi.get(), A.mul(cStep.get(), A.div(read(m), A.add(A.div(A.sqrt(vHat.get()), cBc2.get()), cEps.get()))))),
    ];
    return { setup, step };
  };
  const two = body(true), one = body(false);
  return f.build([
    ...two.setup,
    i.set(i32.const(0)),
    whileLoop(i32.leS(i32.add(i.get(), i32.const(2)), n.get()), ...two.step, i.inc(2)),
    whileLoop(i32.ltS(i.get(), n.get()), ...one.step, i.inc(1)),
  ]);
}

export function elementwiseModuleBytes(): Uint8Array {
  const arith = ARITH_OPS.flatMap((op) => (['vv', 'vs', 'sv'] as const).map((form) => arithFunction(op, form)));
  const memory = heapMemoryImport();
  return encodeModule(memory, [...arith, addNFunction(), reluFunction(), reluBackwardFunction(), whereFunction('i32'), whereFunction('f32'), bnApplyFunction(), bilinearPlaneFunction(), bilinearBackwardPlaneFunction(),
    channelSumsFunction('bnStats', ['x'], ([x], K, sub, mul) => [sub(x, K), mul(sub(x, K), sub(x, K))]),
    channelSumsFunction('bnGradSums', ['gy', 'x'], ([gy, x], m, sub, mul) => [gy, mul(gy, sub(x, m))]),
    channelSumsFunction('channelSum', ['gy'], ([gy]) => [gy]),
    bnGradTrainFunction(), colDotsFunction(), bnFoldBeforeFunction(), gatherRowsFunction(), adamStepFunction()]);
}
