/**
 * Element-wise unary ops from one table: name -> [f(x), f'(x) given x and y = f(x)].
 * Backward is always gx = gy * f'(x, y). The table is the definition; the ops run its loops, one per row, in
 * src/kernels/unary.ts (tests/kernels/unary.test.ts holds them to the table's bits), so adding a unary op is a row
 * here and its two loops there.
 */
import { Tensor } from '../tensor/tensor.js';
import { allocUninit, type FloatArray } from '../tensor/dtype.js';
import { unaryBackward, unaryForward } from '../backend/dispatch/unary.js';
import { ShapeError } from '../tensor/errors.js';
import { record } from '../autograd/record.js';

type Row = readonly [(x: number) => number, (x: number, y: number) => number];

export const unaryTable = {
  exp: [Math.exp, (_x, y) => y],
  log: [Math.log, (x) => 1 / x],
  sqrt: [Math.sqrt, (_x, y) => 0.5 / y],
  abs: [Math.abs, (x) => (x > 0 ? 1 : x < 0 ? -1 : 0)], // PyTorch: sign(x), 0 at 0
  square: [(x) => x * x, (x) => 2 * x],
  reciprocal: [(x) => 1 / x, (_x, y) => -y * y],
} as const satisfies Record<string, Row>;

export type UnaryName = keyof typeof unaryTable;

/** Apply a table row: forward now, backward gy * f'(x, y) recorded. */
export function unary(name: UnaryName, x: Tensor): Tensor {
  if (x.dtype === 'int32') throw new ShapeError(name, 'expects a float tensor, got int32', { input: x.shape });
  const yd = allocUninit(x.dtype, x.size) as FloatArray; // every element written
  unaryForward(name, yd, x.data as FloatArray);
  const y = new Tensor(yd, x.shape);
  return record(name, [x], y, (gy) => {
    const g = allocUninit(x.dtype, x.size) as FloatArray;
    // read now: a remade x (lifetimes.ts) has new data
    unaryBackward(name, g, gy.data as FloatArray, x.data as FloatArray, y.data as FloatArray);
    return [new Tensor(g, x.shape)];
  });
}

export const exp = (x: Tensor): Tensor => unary('exp', x);
export const log = (x: Tensor): Tensor => unary('log', x);
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x);
export const abs = (x: Tensor): Tensor => unary('abs', x);
export const square = (x: Tensor): Tensor => unary('square', x);
export const reciprocal = (x: Tensor): Tensor => unary('reciprocal', x);
