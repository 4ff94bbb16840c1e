/**
 * clone (a fresh copy; gradient passes through), detach (same data, cut from the graph) and cast between dtypes
 * (the gradient is cast back to the input's dtype; a cast to int32 is not differentiable).
 */
import { Tensor } from '../tensor/tensor.js';
import { allocUninit, type DType } from '../tensor/dtype.js';
import { ConfigError } from '../tensor/errors.js';
import { record } from '../autograd/record.js';
import { castData } from './broadcast.js';

export function clone(x: Tensor): Tensor {
  // a buffer like every op's output (a view of the shared heap where the backend uses it), not data.slice(): a plain
  // copy would leave the heap, and every op on the clone would take the slower path for plain arrays
  const data = allocUninit(x.dtype, x.size);
  data.set(x.data);
  const y = new Tensor(data, x.shape);
  return record('clone', [x], y, (gy) => [gy]);
}

/** A tensor sharing x's data with no gradient history (PyTorch's detach; no copy). */
export function detach(x: Tensor): Tensor {
  return new Tensor(x.data, x.shape);
}

const DTYPES: readonly DType[] = ['float32', 'float64', 'int32'];

/** x converted to dtype (x itself when it already has it). Float to int32 truncates toward zero, as PyTorch. */
export function cast(x: Tensor, dtype: DType): Tensor {
  if (!DTYPES.includes(dtype)) throw new ConfigError('cast', `unknown dtype '${dtype}' (expected ${DTYPES.join(', ')})`);
  if (dtype === x.dtype) return x;
  const y = castData(x, dtype);
  if (dtype === 'int32') return y;
  return record('cast', [x], y, (gy) => [castData(gy, x.dtype)]);
}
