/**
 * Element-wise unary ops from one table: name -> [f(x), f'(x) given x and y = f(x)].
 * Backward is always gx = gy * f'(x, y), so adding a unary op is one row here.
 */
import { Tensor } from '../tensor/tensor.js';
import { allocArray } from '../tensor/dtype.js';
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
  const [f, df] = unaryTable[name] as Row;
  const xd = x.data;
  const yd = allocArray(x.dtype, x.size);
  for (let i = 0; i < yd.length; i++) yd[i] = f(xd[i]);
  const y = new Tensor(yd, x.shape);
  return record(name, [x], y, (gy) => {
    const g = allocArray(x.dtype, x.size);
    const gd = gy.data, xb = x.data, yb = y.data; // read now: a remade x (lifetimes.ts) has new data
    for (let i = 0; i < g.length; i++) g[i] = gd[i] * df(xb[i], yb[i]);
    return [new Tensor(g, x.shape)];
  });
}

export const exp = (x: Tensor): Tensor => unary('exp', x);
export const log = (x: Tensor): Tensor => unary('log', x);
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x);
export const abs = (x: Tensor): Tensor => unary('abs', x);
export const square = (x: Tensor): Tensor => unary('square', x);
export const reciprocal = (x: Tensor): Tensor => unary('reciprocal', x);
