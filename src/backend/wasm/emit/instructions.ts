/**
 * Instructions in folded form, like the text format's S-expressions: `i32.add(x.get(), i32.const(4))` is
 * `(i32.add (local.get $x) (i32.const 4))` and returns the bytes of the operands followed by the opcode.
 * Only the instructions our kernels use are here. Opcodes: spec 5.4; SIMD ones carry the 0xfd prefix and a
 * LEB128 sub-opcode (SIMD proposal, relaxed-SIMD proposal for relaxed_madd).
 */
import { type Bytes, type ValType, f32Bytes, f64Bytes, sleb, uleb } from './encoding.js';

export type Expr = Bytes;

const op = (code: number, ...operands: Expr[]): Expr => [...operands.flat(), code];
/** Memory immediate: log2 of the alignment hint, then the constant byte offset added to the address. */
const memarg = (alignLog2: number, offset: number): Bytes => [alignLog2, ...uleb(offset)];
const simd = (code: number, ...operands: Expr[]): Expr => [...operands.flat(), 0xfd, ...uleb(code)];

export const i32 = {
  const: (n: number): Expr => [0x41, ...sleb(n)],
  add: (a: Expr, b: Expr) => op(0x6a, a, b),
  sub: (a: Expr, b: Expr) => op(0x6b, a, b),
  mul: (a: Expr, b: Expr) => op(0x6c, a, b),
  shl: (a: Expr, b: Expr) => op(0x74, a, b),
  and: (a: Expr, b: Expr) => op(0x71, a, b),
  or: (a: Expr, b: Expr) => op(0x72, a, b),
  eqz: (a: Expr) => op(0x45, a),
  eq: (a: Expr, b: Expr) => op(0x46, a, b),
  ne: (a: Expr, b: Expr) => op(0x47, a, b),
  ltS: (a: Expr, b: Expr) => op(0x48, a, b),
  leS: (a: Expr, b: Expr) => op(0x4c, a, b),
  ltU: (a: Expr, b: Expr) => op(0x49, a, b),
  geS: (a: Expr, b: Expr) => op(0x4e, a, b),
  geU: (a: Expr, b: Expr) => op(0x4f, a, b),
  load: (addr: Expr, offset = 0): Expr => [...addr, 0x28, ...memarg(2, offset)],
  /** f32 → i32 truncating toward zero, saturating (no trap) */
  truncSatF32: (a: Expr): Expr => [...a, 0xfc, ...uleb(0)],
  /** select(a, b, cond) = cond ? a : b */
  select: (a: Expr, b: Expr, cond: Expr) => op(0x1b, a, b, cond),
};

export const f32 = {
  const: (x: number): Expr => [0x43, ...f32Bytes(x)],
  add: (a: Expr, b: Expr) => op(0x92, a, b),
  sub: (a: Expr, b: Expr) => op(0x93, a, b),
  mul: (a: Expr, b: Expr) => op(0x94, a, b),
  div: (a: Expr, b: Expr) => op(0x95, a, b),
  /** round to nearest integer, ties to even */
  nearest: (a: Expr) => op(0x90, a),
  /** the float with the bits of an i32 */
  reinterpretI32: (a: Expr) => op(0xbe, a),
  min: (a: Expr, b: Expr) => op(0x96, a, b),
  max: (a: Expr, b: Expr) => op(0x97, a, b),
  /** a > b (i32 0 or 1; false when either is NaN) */
  gt: (a: Expr, b: Expr) => op(0x5e, a, b),
  ne: (a: Expr, b: Expr) => op(0x5c, a, b),
  /** cond ? a : b (the untyped select) */
  select: (a: Expr, b: Expr, cond: Expr) => op(0x1b, a, b, cond),
  load: (addr: Expr, offset = 0): Expr => [...addr, 0x2a, ...memarg(2, offset)],
  store: (addr: Expr, value: Expr, offset = 0): Expr => [...addr, ...value, 0x38, ...memarg(2, offset)],
};

export const f64 = {
  const: (x: number): Expr => [0x44, ...f64Bytes(x)],
  add: (a: Expr, b: Expr) => op(0xa0, a, b),
  sub: (a: Expr, b: Expr) => op(0xa1, a, b),
  mul: (a: Expr, b: Expr) => op(0xa2, a, b),
  div: (a: Expr, b: Expr) => op(0xa3, a, b),
  /** correctly rounded, as Math.sqrt */
  sqrt: (a: Expr) => op(0x9f, a),
  /** NaN if either is NaN, max(−0, +0) = +0: as Math.max */
  max: (a: Expr, b: Expr) => op(0xa5, a, b),
  ne: (a: Expr, b: Expr) => op(0x62, a, b),
  /** f32 → f64, exact */
  promoteF32: (a: Expr) => op(0xbb, a),
  /** f64 → f32, rounded to nearest */
  demoteToF32: (a: Expr) => op(0xb6, a),
  load: (addr: Expr, offset = 0): Expr => [...addr, 0x2b, ...memarg(3, offset)],
  store: (addr: Expr, value: Expr, offset = 0): Expr => [...addr, ...value, 0x39, ...memarg(3, offset)],
};

export const v128 = {
  load: (addr: Expr, offset = 0): Expr => [...simd(0x00, addr), ...memarg(4, offset)],
  store: (addr: Expr, value: Expr, offset = 0): Expr => [...simd(0x0b, addr, value), ...memarg(4, offset)],
  /** Load one f32 and splat it to all four lanes. */
  load32Splat: (addr: Expr, offset = 0): Expr => [...simd(0x09, addr), ...memarg(2, offset)],
  zero: (): Expr => [0xfd, ...uleb(0x0c), ...new Array<number>(16).fill(0)],
  /** bitwise and */
  and: (a: Expr, b: Expr) => simd(0x4e, a, b),
  /** bits of a where mask is 1, of b where it is 0: (a & mask) | (b & ~mask) */
  bitselect: (a: Expr, b: Expr, mask: Expr) => simd(0x52, a, b, mask),
  /** v128.load64_zero: 8 bytes (two f32) into lanes 0, 1; lanes 2, 3 zero */
  load64Zero: (addr: Expr, offset = 0): Expr => [...simd(0x5d, addr), ...memarg(3, offset)],
  /** v128.store64_lane: 64-bit lane `lane` (0: f32 lanes 0, 1) to memory */
  store64Lane: (addr: Expr, value: Expr, lane = 0, offset = 0): Expr => [...simd(0x5b, addr, value), ...memarg(3, offset), lane],
};

/** i8x16.shuffle(a, b) picking f32 lanes: lane l < 4 is a[l], lane l ≥ 4 is b[l - 4]. */
export function shuffleF32(a: Expr, b: Expr, lanes: [number, number, number, number]): Expr {
  const bytes = lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]);
  return [...simd(0x0d, a, b), ...bytes];
}

export const f32x4 = {
  /** v128.const with the same float in all four lanes */
  const: (x: number): Expr => [0xfd, ...uleb(0x0c), ...[0, 1, 2, 3].flatMap(() => f32Bytes(x))],
  splat: (x: Expr) => simd(0x13, x),
  /** lane-wise a > b: all ones or all zeros (zeros where either is NaN) */
  gt: (a: Expr, b: Expr) => simd(0x44, a, b),
  /** lane-wise a ≠ b: all ones or all zeros (ones where either is NaN) */
  ne: (a: Expr, b: Expr) => simd(0x42, a, b),
  add: (a: Expr, b: Expr) => simd(0xe4, a, b),
  sub: (a: Expr, b: Expr) => simd(0xe5, a, b),
  mul: (a: Expr, b: Expr) => simd(0xe6, a, b),
  div: (a: Expr, b: Expr) => simd(0xe7, a, b),
  nearest: (a: Expr) => simd(0x6a, a),
  /** IEEE-754 minimum / maximum (NaN in, NaN out), lane-wise like f32.min / f32.max */
  min: (a: Expr, b: Expr) => simd(0xe8, a, b),
  max: (a: Expr, b: Expr) => simd(0xe9, a, b),
  /** pseudo-minimum / maximum: pmin(a, b) = b < a ? b : a, pmax(a, b) = a < b ? b : a (one instruction each on x64) */
  pmin: (a: Expr, b: Expr) => simd(0xea, a, b),
  pmax: (a: Expr, b: Expr) => simd(0xeb, a, b),
  /** a·b + c, fused or not as the hardware prefers (relaxed SIMD). */
  relaxedMadd: (a: Expr, b: Expr, c: Expr) => simd(0x105, a, b, c),
};

export const f64x2 = {
  splat: (x: Expr) => simd(0x14, x),
  add: (a: Expr, b: Expr) => simd(0xf0, a, b),
  sub: (a: Expr, b: Expr) => simd(0xf1, a, b),
  mul: (a: Expr, b: Expr) => simd(0xf2, a, b),
  div: (a: Expr, b: Expr) => simd(0xf3, a, b),
  /** lane-wise f64.sqrt (correctly rounded) */
  sqrt: (a: Expr) => simd(0xef, a),
  /** lane-wise f64.max (NaN propagates, max(−0, +0) = +0) */
  max: (a: Expr, b: Expr) => simd(0xf5, a, b),
  /** extract_lane l (an f64) */
  lane: (a: Expr, l: number): Expr => [...simd(0x21, a), l],
  /** replace_lane l with the f64 v */
  withLane: (a: Expr, l: number, v: Expr): Expr => [...simd(0x22, a, v), l],
  /** the two low f32 lanes, widened to f64 */
  promoteLow: (a: Expr) => simd(0x5f, a),
  /** f64 lanes rounded to f32 in lanes 0, 1; lanes 2, 3 zero */
  demoteZero: (a: Expr) => simd(0x5e, a),
};

/** Bulk memory (0xfc prefix): fill n bytes at dst with a byte value; copy n bytes (regions may overlap). */
export const memory = {
  fill: (dst: Expr, value: Expr, n: Expr): Expr => [...dst, ...value, ...n, 0xfc, ...uleb(11), 0x00],
  copy: (dst: Expr, src: Expr, n: Expr): Expr => [...dst, ...src, ...n, 0xfc, ...uleb(10), 0x00, 0x00],
};

export const i32x4 = {
  splat: (x: Expr) => simd(0x11, x),
  /** lane-wise a ≠ b: all ones or all zeros */
  ne: (a: Expr, b: Expr) => simd(0x38, a, b),
  add: (a: Expr, b: Expr) => simd(0xae, a, b),
  /** shift every lane left by an i32 count */
  shl: (a: Expr, count: Expr) => simd(0xab, a, count),
  /** f32 lanes → i32 lanes, truncating, saturating */
  truncSatF32x4: (a: Expr) => simd(0xf8, a),
};

/** Structured control flow. Branch depth 0 is the innermost enclosing block/loop. */
export const block = (...body: Expr[]): Expr => [0x02, 0x40, ...body.flat(), 0x0b];
export const loop = (...body: Expr[]): Expr => [0x03, 0x40, ...body.flat(), 0x0b];
export const ifThen = (cond: Expr, then: Expr[], otherwise: Expr[] = []): Expr => [
  ...cond, 0x04, 0x40, ...then.flat(), ...(otherwise.length ? [0x05, ...otherwise.flat()] : []), 0x0b,
];
/** (if (result f32) cond then otherwise): a value-producing if; only the taken arm runs. */
export const ifF32 = (cond: Expr, then: Expr, otherwise: Expr): Expr => [...cond, 0x04, 0x7d, ...then, 0x05, ...otherwise, 0x0b];
export const br = (depth: number): Expr => [0x0c, ...uleb(depth)];
export const brIf = (depth: number, cond: Expr): Expr => [...cond, 0x0d, ...uleb(depth)];
/** evaluate x and discard its value */
export const drop = (x: Expr): Expr => [...x, 0x1a];
export const call = (funcIndex: number, ...args: Expr[]): Expr => [...args.flat(), 0x10, ...uleb(funcIndex)];

/** A parameter or local of the function being built. */
export class Local {
  constructor(
    readonly index: number,
    readonly type: ValType,
  ) {}
  get(): Expr {
    return [0x20, ...uleb(this.index)];
  }
  set(value: Expr): Expr {
    return [...value, 0x21, ...uleb(this.index)];
  }
  /** this += step (i32) */
  inc(step: Expr | number): Expr {
    return this.set(i32.add(this.get(), typeof step === 'number' ? i32.const(step) : step));
  }
}

/** for (i = from; i < to; i += step) body   — `to` is re-evaluated every iteration, so pass a local or a constant. */
export function forLoop(i: Local, from: Expr, to: Expr, step: number | Expr, ...body: Expr[]): Expr {
  return [...i.set(from), ...block(loop(brIf(1, i32.geS(i.get(), to)), ...body, i.inc(step), br(0)))];
}

/** while (cond) { body } */
export function whileLoop(cond: Expr, ...body: Expr[]): Expr {
  return block(loop(brIf(1, i32.eqz(cond)), ...body, br(0)));
}

/** do { body } while (cond) */
export function doWhile(cond: Expr, ...body: Expr[]): Expr {
  return loop(...body, brIf(0, cond));
}

/** Collects the params and locals of one function and hands out `Local`s by name. */
export class FunctionBuilder {
  private readonly localTypes: ValType[] = [];
  private readonly byName = new Map<string, Local>();
  readonly paramTypes: ValType[];

  constructor(
    readonly name: string,
    params: Record<string, ValType>,
    readonly results: ValType[] = [],
  ) {
    this.paramTypes = Object.values(params);
    Object.entries(params).forEach(([n, t], i) => this.byName.set(n, new Local(i, t)));
  }

  param(name: string): Local {
    const l = this.byName.get(name);
    if (!l) throw new Error(`wasm emitter: ${this.name} has no parameter or local '${name}'`);
    return l;
  }

  local(name: string, type: ValType): Local {
    if (this.byName.has(name)) throw new Error(`wasm emitter: ${this.name} already has a local '${name}'`);
    const l = new Local(this.paramTypes.length + this.localTypes.length, type);
    this.localTypes.push(type);
    this.byName.set(name, l);
    return l;
  }

  build(body: Expr[], exported = true) {
    return {
      name: this.name,
      type: { params: this.paramTypes, results: this.results },
      locals: this.localTypes,
      body: body.flat(),
      exported,
    };
  }
}
