/**
 * Broadcasting arithmetic: add, sub, mul, div. Derivatives (then summed back over broadcast dims by sumTo):
 *   d(a+b) = (gy, gy);  d(a-b) = (gy, -gy);  d(a*b) = (gy*b, gy*a);  d(a/b) = (gy/b, -gy*a/b^2).
 */
import { Tensor } from '../tensor/tensor.js';
import { allocArray, type TypedArray } from '../tensor/dtype.js';
import { broadcastShapes, shapesEqual, numel } from '../tensor/shape.js';
import { type BinaryFn, binaryBroadcast, broadcastStrides, addSame, subSame, mulSame, divSame } from '../tensor/kernels/elementwise.js';
import { record } from '../autograd/record.js';
import { asTensor, castData, resultDType, sumTo } from './broadcast.js';

type SameFn = (out: TypedArray, a: TypedArray, b: TypedArray) => void;

/** Evaluate a broadcasting binary op (no graph). Shared by every binary op, differentiable or not. */
export function broadcastBinary(op: string, a: Tensor | number, b: Tensor | number, f: BinaryFn, same?: SameFn): Tensor {
  const dtype = resultDType(a, b);
  const ta = castData(asTensor(a, dtype), dtype);
  const tb = castData(asTensor(b, dtype), dtype);
  const shape = broadcastShapes(op, ta.shape, tb.shape);
  const out = allocArray(dtype, numel(shape));
  if (same && shapesEqual(ta.shape, tb.shape)) same(out, ta.data, tb.data);
  else binaryBroadcast(out, ta.data, broadcastStrides(ta.shape, shape), tb.data, broadcastStrides(tb.shape, shape), shape, f);
  return new Tensor(out, shape);
}

const tensors = (a: Tensor | number, b: Tensor | number): [Tensor | null, Tensor | null] => [
  a instanceof Tensor ? a : null,
  b instanceof Tensor ? b : null,
];

export function add(a: Tensor | number, b: Tensor | number): Tensor {
  const y = broadcastBinary('add', a, b, (u, v) => u + v, addSame);
  const [ta, tb] = tensors(a, b);
  return record('add', [ta, tb], y, (gy, needs) => [
    needs[0] ? sumTo(gy, ta!.shape) : null,
    needs[1] ? sumTo(gy, tb!.shape) : null,
  ]);
}

export function sub(a: Tensor | number, b: Tensor | number): Tensor {
  const y = broadcastBinary('sub', a, b, (u, v) => u - v, subSame);
  const [ta, tb] = tensors(a, b);
  return record('sub', [ta, tb], y, (gy, needs) => [
    needs[0] ? sumTo(gy, ta!.shape) : null,
    needs[1] ? sumTo(neg(gy), tb!.shape) : null,
  ]);
}

export function mul(a: Tensor | number, b: Tensor | number): Tensor {
  const y = broadcastBinary('mul', a, b, (u, v) => u * v, mulSame);
  const [ta, tb] = tensors(a, b);
  return record('mul', [ta, tb], y, (gy, needs) => [
    needs[0] ? sumTo(mul(gy, b), ta!.shape) : null,
    needs[1] ? sumTo(mul(gy, a), tb!.shape) : null,
  ]);
}

export function div(a: Tensor | number, b: Tensor | number): Tensor {
  const y = broadcastBinary('div', a, b, (u, v) => u / v, divSame);
  const [ta, tb] = tensors(a, b);
  return record('div', [ta, tb], y, (gy, needs) => [
    needs[0] ? sumTo(div(gy, b), ta!.shape) : null,
    needs[1] ? sumTo(neg(div(mul(gy, y), b)), tb!.shape) : null, // -gy*a/b^2 = -gy*y/b
  ]);
}

/** -x, d = -gy. */
export function neg(x: Tensor): Tensor {
  const out = allocArray(x.dtype, x.size);
  const d = x.data;
  for (let i = 0; i < out.length; i++) out[i] = -d[i];
  return record('neg', [x], new Tensor(out, x.shape), (gy) => [neg(gy)]);
}
