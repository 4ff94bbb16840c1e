/**
 * slice / narrow: take every step-th index in [start, end) along one axis (a copy).
 * As a strided view: offset = start·stride[axis], stride[axis] *= step. Gradient: gy scattered into zeros of
 * x's shape through the same view (the adjoint of a gather).
 */
import { Tensor } from '../tensor/tensor.js';
import { allocArray } from '../tensor/dtype.js';
import { normAxis, numel, stridesOf } from '../tensor/shape.js';
import { ConfigError, ShapeError } from '../tensor/errors.js';
import { gatherStrided, scatterStrided } from '../backend/dispatch/strided.js';
import { record } from '../autograd/record.js';

/** Take indices start, start+step, ... < end along axis a (already validated, 0 <= start <= end <= size). */
function take(x: Tensor, a: number, start: number, end: number, step: number): Tensor {
  const strides = stridesOf(x.shape);
  const offset = start * strides[a];
  strides[a] *= step;
  const shape = [...x.shape];
  shape[a] = Math.ceil((end - start) / step);
  const out = allocArray(x.dtype, numel(shape));
  gatherStrided(out, x.data, offset, strides, shape);
  return record('slice', [x], new Tensor(out, shape), (gy) => {
    const g = allocArray(gy.dtype, x.size);
    scatterStrided(g, gy.data, offset, strides, shape);
    return [new Tensor(g, x.shape)];
  });
}

function checkInts(op: string, values: Record<string, number>): void {
  for (const [k, v] of Object.entries(values)) {
    if (!Number.isInteger(v)) throw new ConfigError(op, `${k} must be an integer, got ${v}`);
  }
}

/**
 * x[..., start:end:step, ...] along `axis`. Negative start/end count from the end of the axis; end defaults to its
 * size. Unlike Python, a range outside the axis is an error rather than silently clipped.
 */
export function slice(x: Tensor, axis: number, start: number, end?: number, step = 1): Tensor {
  if (x.ndim === 0) throw new ShapeError('slice', 'cannot slice a 0-d tensor', { input: x.shape });
  const a = normAxis('slice', axis, x.ndim);
  const size = x.shape[a];
  checkInts('slice', { start, end: end ?? size, step });
  if (step < 1) throw new ConfigError('slice', `step must be a positive integer, got ${step}`);
  const s = start < 0 ? start + size : start;
  const e = end === undefined ? size : end < 0 ? end + size : end;
  if (s < 0 || e > size || s > size || e < 0) {
    throw new ShapeError('slice', `range [${start}, ${end ?? size}) is out of bounds for axis ${a} of size ${size}`, { input: x.shape });
  }
  if (s > e) throw new ShapeError('slice', `start ${start} comes after end ${end} on axis ${a} of size ${size}`, { input: x.shape });
  return take(x, a, s, e, step);
}

/** The `length` indices from `start` along `axis` (negative start counts from the end), as torch.narrow. */
export function narrow(x: Tensor, axis: number, start: number, length: number): Tensor {
  if (x.ndim === 0) throw new ShapeError('narrow', 'cannot narrow a 0-d tensor', { input: x.shape });
  const a = normAxis('narrow', axis, x.ndim);
  const size = x.shape[a];
  checkInts('narrow', { start, length });
  const s = start < 0 ? start + size : start;
  if (s < 0 || length < 0 || s + length > size) {
    throw new ShapeError('narrow', `start ${start} + length ${length} is out of bounds for axis ${a} of size ${size}`, { input: x.shape });
  }
  return take(x, a, s, s + length, 1);
}
