/** Helpers shared by broadcasting ops: operand coercion and the adjoint of broadcasting (sumTo). */
import { Tensor } from '../tensor/tensor.js';
import { type DType, allocArray, promote } from '../tensor/dtype.js';
import { type Shape, numel, shapesEqual } from '../tensor/shape.js';
import { broadcastStrides, sumToBroadcast } from '../tensor/kernels/elementwise.js';

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

/**
 * sumTo(g, shape): sum g over the dims along which `shape` was broadcast to g.shape; the gradient of broadcasting.
 * Returns g itself when the shapes already match.
 */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const out = allocArray(g.dtype, numel(shape));
  sumToBroadcast(out, broadcastStrides(shape, g.shape), g.data, g.shape);
  return new Tensor(out, shape);
}
