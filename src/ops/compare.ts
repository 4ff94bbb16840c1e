/**
 * Comparisons (int32 0/1 results, broadcasting, not differentiable) and where(cond, a, b).
 * where's gradient routes gy by the condition: ga = sumTo(gy ⊙ [cond ≠ 0], a), gb = sumTo(gy ⊙ [cond = 0], b).
 */
import { Tensor } from '../tensor/tensor.js';
import { allocArray, allocUninit } from '../tensor/dtype.js';
import { numel, shapesEqual } from '../tensor/shape.js';
import { ShapeError } from '../tensor/errors.js';
import { broadcastStrides } from '../kernels/elementwise.js';
import { whereKernel } from '../kernels/where.js';
import { whereSameShape } from '../backend/dispatch/where.js';
import { record } from '../autograd/record.js';
import { broadcastBinary } from './binary.js';
import { type BinaryLoopName, binaryLoops } from '../kernels/binary-loops.js';
import { asTensor, broadcastAll, castData, resultDType, sumTo } from './broadcast.js';

type Operand = Tensor | number;

const compare = (op: BinaryLoopName, f: (u: number, v: number) => boolean) => (a: Operand, b: Operand): Tensor =>
  broadcastBinary(op, a, b, (u, v) => (f(u, v) ? 1 : 0), binaryLoops[op], 'int32');

export const eq = compare('eq', (u, v) => u === v);
export const ne = compare('ne', (u, v) => u !== v);
export const lt = compare('lt', (u, v) => u < v);
export const le = compare('le', (u, v) => u <= v);
export const gt = compare('gt', (u, v) => u > v);
export const ge = compare('ge', (u, v) => u >= v);

/** out = cond ≠ 0 ? a : b, broadcasting all three; cond may be int32 or float (NaN counts as true, as bool(NaN)). */
export function where(cond: Tensor, a: Operand, b: Operand): Tensor {
  const dtype = resultDType(a, b);
  const ta = castData(asTensor(a, dtype), dtype);
  const tb = castData(asTensor(b, dtype), dtype);
  const shape = broadcastAll([cond.shape, ta.shape, tb.shape]);
  if (!shape) throw new ShapeError('where', 'cond, a and b cannot broadcast', { cond: cond.shape, a: ta.shape, b: tb.shape });
  const out = allocUninit(dtype, numel(shape)); // every element written
  if ([cond.shape, ta.shape, tb.shape].every((s) => shapesEqual(s, shape))) {
    // no broadcast: the SIMD select on heap float32 data, else the branch-free loop (both exact copies)
    whereSameShape(out, cond.data, ta.data, tb.data);
  } else {
    const sc = broadcastStrides(cond.shape, shape);
    whereKernel(out, cond.data, sc, ta.data, broadcastStrides(ta.shape, shape), tb.data, broadcastStrides(tb.shape, shape), shape);
  }
  const y = new Tensor(out, shape);
  const inputs = [null, a instanceof Tensor ? a : null, b instanceof Tensor ? b : null];
  return record('where', inputs, y, (gy, needs) => {
    const zero = new Tensor(allocArray(gy.dtype, 1), []);
    return [
      null,
      needs[1] ? sumTo(where(cond, gy, zero), ta.shape) : null,
      needs[2] ? sumTo(where(cond, zero, gy), tb.shape) : null,
    ];
  });
}
