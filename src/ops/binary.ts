/**
 * Broadcasting arithmetic: add, sub, mul, div, pow, maximum, minimum. Derivatives (then summed back over
 * broadcast dims by sumTo):
 *   d(a+b) = (gy, gy);  d(a-b) = (gy, -gy);  d(a*b) = (gy*b, gy*a);  d(a/b) = (gy/b, -gy*a/b^2);
 *   d(a^b) = (gy * b a^(b-1), gy * a^b ln a);   d max(a,b) = gy to the larger operand, halved on ties (as PyTorch).
 */
import { Tensor } from '../tensor/tensor.js';
import { allocArray, allocUninit, type DType, type TypedArray } from '../tensor/dtype.js';
import { broadcastShapes, shapesEqual, numel, type Shape } from '../tensor/shape.js';
import { ADD, SUB, MUL, DIV, MAX, MIN, type ArithOp } from '../kernels/broadcast-arith.js';
import { type BinaryFn, binaryBroadcast, broadcastStrides } from '../kernels/elementwise.js';
import { type BinaryLoops, binaryLoops } from '../kernels/binary-loops.js';
import { record } from '../autograd/record.js';
import { remakeable } from '../autograd/lifetimes.js';
import { arith as arithDispatch, mulGrads, mulSumTo } from '../backend/dispatch/elementwise.js';
import { asTensor, castData, resultDType, sumTo } from './broadcast.js';

type SameFn = (out: TypedArray, a: TypedArray, b: TypedArray) => void;
type Loops = Partial<BinaryLoops>;

/**
 * Evaluate a broadcasting binary op (no graph). Shared by every binary op, differentiable or not.
 * Operands are promoted to a common dtype first; the result has that dtype unless outDtype is given.
 */
export function broadcastBinary(
  op: string,
  a: Tensor | number,
  b: Tensor | number,
  f: BinaryFn,
  fast?: SameFn | Loops,
  outDtype?: DType,
): Tensor {
  const dtype = resultDType(a, b);
  const ta = castData(asTensor(a, dtype), dtype);
  const tb = castData(asTensor(b, dtype), dtype);
  const shape = broadcastShapes(op, ta.shape, tb.shape);
  const out = allocUninit(outDtype ?? dtype, numel(shape)); // every element written
  // `fast`: f's own loops where no broadcast is needed (a function: the same-shape loop only)
  const loops = typeof fast === 'function' ? { vv: fast } : fast;
  if (loops?.vv && shapesEqual(ta.shape, tb.shape)) loops.vv(out, ta.data, tb.data);
  else if (loops?.vs && tb.size === 1 && shapesEqual(ta.shape, shape)) loops.vs(out, ta.data, tb.data[0]);
  else if (loops?.sv && ta.size === 1 && shapesEqual(tb.shape, shape)) loops.sv(out, ta.data[0], tb.data);
  else binaryBroadcast(out, ta.data, broadcastStrides(ta.shape, shape), tb.data, broadcastStrides(tb.shape, shape), shape, f, loops);
  return new Tensor(out, shape);
}

/**
 * add/sub/mul/div forward: like broadcastBinary, with loops specialised per op and broadcast pattern (no call per
 * element); float32 tensors in the wasm heap take the SIMD kernels on the pool (same bits, backend/dispatch/elementwise.ts).
 */
function arith(op: string, a: Tensor | number, b: Tensor | number, code: ArithOp): Tensor {
  const dtype = resultDType(a, b);
  const ta = castData(asTensor(a, dtype), dtype);
  const tb = castData(asTensor(b, dtype), dtype);
  const shape = broadcastShapes(op, ta.shape, tb.shape);
  const out = allocUninit(dtype, numel(shape)); // every element written
  arithInto(out, ta, tb, shape, code);
  return new Tensor(out, shape);
}

/** out = ta (code) tb broadcast to `shape`, every element written. */
function arithInto(out: TypedArray, ta: Tensor, tb: Tensor, shape: Shape, code: ArithOp): void {
  arithDispatch(out, ta.data, broadcastStrides(ta.shape, shape), tb.data, broadcastStrides(tb.shape, shape), shape, code);
}

/**
 * The gradient of one factor of a product: Σ over its broadcast dims of gy·other, shaped like `shape`. When only
 * this factor was broadcast (other has gy's shape and dtype) it is one fused pass with double sums (mulSumTo),
 * without the gy·other temporary.
 */
function mulGrad(gy: Tensor, other: Tensor | number, shape: Shape): Tensor {
  if (other instanceof Tensor && sameLayout(gy, other) && !shapesEqual(shape, gy.shape)) {
    const out = allocArray(gy.dtype, numel(shape)), so = broadcastStrides(shape, gy.shape);
    mulSumTo(out, so, gy.data, other.data, gy.shape);
    return new Tensor(out, shape);
  }
  return sumTo(mul(gy, other), shape);
}

/** t has gy's shape and float dtype (so gy·t needs no broadcast, promotion or reduction). */
const sameLayout = (gy: Tensor, t: Tensor): boolean => t.dtype === gy.dtype && gy.dtype !== 'int32' && shapesEqual(t.shape, gy.shape);

const tensors = (a: Tensor | number, b: Tensor | number): [Tensor | null, Tensor | null] => [
  a instanceof Tensor ? a : null,
  b instanceof Tensor ? b : null,
];

export function add(a: Tensor | number, b: Tensor | number): Tensor {
  const y = arith('add', a, b, ADD);
  const [ta, tb] = tensors(a, b);
  return record('add', [ta, tb], y, (gy, needs) => [
    needs[0] ? sumTo(gy, ta!.shape) : null,
    needs[1] ? sumTo(gy, tb!.shape) : null,
  ], []);
}

export function sub(a: Tensor | number, b: Tensor | number): Tensor {
  const y = arith('sub', a, b, SUB);
  const [ta, tb] = tensors(a, b);
  return record('sub', [ta, tb], y, (gy, needs) => [
    needs[0] ? sumTo(gy, ta!.shape) : null,
    needs[1] ? sumTo(neg(gy), tb!.shape) : null,
  ], []);
}

export function mul(a: Tensor | number, b: Tensor | number): Tensor {
  const y = arith('mul', a, b, MUL);
  const [ta, tb] = tensors(a, b);
  const out = record('mul', [ta, tb], y, (gy, needs) => {
    if (needs[0] && needs[1] && sameLayout(gy, ta!) && sameLayout(gy, tb!)) {
      const ga = allocUninit(gy.dtype, gy.size), gb = allocUninit(gy.dtype, gy.size); // every element written
      mulGrads(ga, gb, gy.data, ta!.data, tb!.data, gy.shape, broadcastStrides(gy.shape, gy.shape));
      return [new Tensor(ga, gy.shape), new Tensor(gb, gy.shape)];
    }
    return [needs[0] ? mulGrad(gy, b, ta!.shape) : null, needs[1] ? mulGrad(gy, a, tb!.shape) : null];
  }, [ta, tb]);
  if (!out.gradFn || !ta || !tb || ta.dtype !== tb.dtype) return out;
  // y, when a consumer saves it (AMS's product feeding a conv), is released with its forward and made again from
  // the factors this op keeps, by the same kernel: the same bits
  return remakeable(out, [ta, tb], (into) => arithInto(into, ta, tb, out.shape, MUL));
}

export function div(a: Tensor | number, b: Tensor | number): Tensor {
  const y = arith('div', a, b, DIV);
  const [ta, tb] = tensors(a, b);
  return record('div', [ta, tb], y, (gy, needs) => [
    needs[0] ? sumTo(div(gy, b), ta!.shape) : null,
    needs[1] ? sumTo(neg(div(mul(gy, y), b)), tb!.shape) : null, // -gy*a/b^2 = -gy*y/b
  ]);
}

/** -x, d = -gy. */
export function neg(x: Tensor): Tensor {
  // x·(−1) is −x exactly (a sign flip, −0 included; int32's −(−2³¹) wraps alike), on the arithmetic kernels (wasm on the heap)
  return record('neg', [x], arith('neg', x, -1, MUL), (gy) => [neg(gy)]);
}

/**
 * The local derivatives of pow, maximum and minimum with respect to each operand (u = a, v = b); their loops are
 * binaryLoops' entries of the same names (kernels/binary-loops.ts, held to these functions by its tests).
 */
export const binaryDerivatives = {
  powGradA: (u, v) => (v === 0 ? 0 : v * u ** (v - 1)),
  powGradB: (u, v) => (u === 0 && v >= 0 ? 0 : u ** v * Math.log(u)),
  maximumGradA: (u, v) => (u > v ? 1 : u === v ? 0.5 : 0),
  maximumGradB: (u, v) => (v > u ? 1 : u === v ? 0.5 : 0),
  minimumGradA: (u, v) => (u < v ? 1 : u === v ? 0.5 : 0),
  minimumGradB: (u, v) => (v < u ? 1 : u === v ? 0.5 : 0),
} as const satisfies Record<string, BinaryFn>;

/** Element-wise gy * f(a, b), summed back to `shape`: the gradient of one operand given its local derivative f. */
function gradVia(gy: Tensor, a: Tensor | number, b: Tensor | number, f: keyof typeof binaryDerivatives, shape: readonly number[]): Tensor {
  return sumTo(mul(gy, broadcastBinary('grad', a, b, binaryDerivatives[f], binaryLoops[f])), shape);
}

/**
 * a^b. d/da = b a^(b-1) (0 where b = 0), d/db = a^b ln a (0 where a = 0 and b >= 0), masked as PyTorch does so
 * that x^0 and 0^b with b >= 0 have finite gradients.
 */
export function pow(a: Tensor | number, b: Tensor | number): Tensor {
  const y = broadcastBinary('pow', a, b, (u, v) => u ** v, binaryLoops.pow);
  const [ta, tb] = tensors(a, b);
  return record('pow', [ta, tb], y, (gy, needs) => [
    needs[0] ? gradVia(gy, a, b, 'powGradA', ta!.shape) : null,
    needs[1] ? gradVia(gy, a, b, 'powGradB', tb!.shape) : null,
  ]);
}

/** Element-wise larger value (NaN propagates); the gradient goes to the larger operand, 0.5/0.5 on ties. */
export function maximum(a: Tensor | number, b: Tensor | number): Tensor {
  const y = arith('maximum', a, b, MAX);
  const [ta, tb] = tensors(a, b);
  return record('maximum', [ta, tb], y, (gy, needs) => [
    needs[0] ? gradVia(gy, a, b, 'maximumGradA', ta!.shape) : null,
    needs[1] ? gradVia(gy, a, b, 'maximumGradB', tb!.shape) : null,
  ]);
}

/** Element-wise smaller value (NaN propagates); the gradient goes to the smaller operand, 0.5/0.5 on ties. */
export function minimum(a: Tensor | number, b: Tensor | number): Tensor {
  const y = arith('minimum', a, b, MIN);
  const [ta, tb] = tensors(a, b);
  return record('minimum', [ta, tb], y, (gy, needs) => [
    needs[0] ? gradVia(gy, a, b, 'minimumGradA', ta!.shape) : null,
    needs[1] ? gradVia(gy, a, b, 'minimumGradB', tb!.shape) : null,
  ]);
}
