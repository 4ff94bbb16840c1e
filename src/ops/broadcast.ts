/** Helpers shared by broadcasting ops: operand coercion and the adjoint of broadcasting (sumTo). */
import { Tensor } from '../tensor/tensor.js';
import { type DType, allocArray, promote } from '../tensor/dtype.js';
import { type Shape, numel, shapesEqual, fmtShape } from '../tensor/shape.js';
import { ShapeError } from '../tensor/errors.js';
import { reducePlan } from '../kernels/reduce.js';
import { reduceSum } from '../backend/dispatch/reduce.js';

/** A number operand becomes a 0-d tensor of the other operand's dtype (a Python scalar does not promote in PyTorch). */
export function asTensor(v: Tensor | number, like: DType): Tensor {
  if (v instanceof Tensor) return v;
  const d = allocArray(like, 1);
  d[0] = v;
  return new Tensor(d, []);
}

/** Result dtype of a binary op; scalars (numbers) follow the tensor operand. */
export function resultDType(a: Tensor | number, b: Tensor | number): DType {
  if (a instanceof Tensor && b instanceof Tensor) return promote(a.dtype, b.dtype);
  if (a instanceof Tensor) return typeof b === 'number' && !Number.isInteger(b) && a.dtype === 'int32' ? 'float32' : a.dtype;
  if (b instanceof Tensor) return typeof a === 'number' && !Number.isInteger(a) && b.dtype === 'int32' ? 'float32' : b.dtype;
  return 'float32';
}

/** Copy t's data into dtype (no-op when it already has it). Not recorded: used inside ops. */
export function castData(t: Tensor, dtype: DType): Tensor {
  if (t.dtype === dtype) return t;
  const out = allocArray(dtype, t.size);
  out.set(t.data);
  return new Tensor(out, t.shape);
}

/** The NumPy broadcast of several shapes, or null when they do not broadcast (callers build the error message). */
export function broadcastAll(shapes: readonly Shape[]): number[] | null {
  const n = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(n).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const o = n - s.length + i;
      if (s[i] === out[o] || s[i] === 1) continue;
      if (out[o] !== 1) return null;
      out[o] = s[i];
    }
  }
  return out;
}

/**
 * sumTo(g, shape): sum g over the dims along which `shape` was broadcast to g.shape; the gradient of broadcasting.
 * Returns g itself when the shapes already match. Sums run in doubles (see kernels/reduce.ts).
 */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  const axes: number[] = [];
  let ok = lead >= 0;
  for (let d = 0; ok && d < g.ndim; d++) {
    const s = d < lead ? 1 : shape[d - lead];
    if (d < lead || (s === 1 && g.shape[d] !== 1)) axes.push(d);
    else ok = s === g.shape[d];
  }
  if (!ok) throw new ShapeError('sumTo', `cannot sum ${fmtShape(g.shape)} down to ${fmtShape(shape)}`);
  const out = allocArray(g.dtype, numel(shape));
  reduceSum(out, g.data, reducePlan(g.shape, axes));
  return new Tensor(out, shape);
}
