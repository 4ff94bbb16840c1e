/** Creating tensors: from data, constant fills, ranges and seeded random draws. */
import { type DType, type TypedArray, allocArray, dtypeOf } from './dtype.js';
import { type Shape, numel, checkShape, fmtShape } from './shape.js';
import { Tensor } from './tensor.js';
import { ShapeError, ConfigError } from './errors.js';
import { type Generator, defaultGenerator } from './rng.js';

export interface CreateOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}
export interface RandomOptions extends CreateOptions {
  generator?: Generator;
}

type Nested = number | readonly Nested[];

function finish(t: Tensor, o: CreateOptions | undefined): Tensor {
  if (o?.requiresGrad) t.requiresGrad_(true);
  return t;
}

function inferShape(data: Nested): number[] {
  const shape: number[] = [];
  let cur: Nested = data;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = (cur as readonly Nested[])[0];
    if (cur === undefined) break;
  }
  return shape;
}

function flatten(op: string, data: Nested, shape: Shape, out: TypedArray): void {
  let k = 0;
  const walk = (v: Nested, dim: number): void => {
    if (dim === shape.length) {
      if (typeof v !== 'number') throw new ShapeError(op, 'nested data is ragged (a list where a number was expected)', { inferred: shape });
      out[k++] = v;
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[dim]) {
      throw new ShapeError(op, `nested data is ragged at depth ${dim}`, { inferred: shape });
    }
    for (const e of v as readonly Nested[]) walk(e, dim + 1);
  };
  walk(data, 0);
}

/**
 * tensor(data, shape?, options): from a typed array, a flat number array with a shape, or nested arrays.
 * A typed array is used without copying and fixes the dtype; dtype defaults to float32.
 */
export function tensor(data: Nested | TypedArray, shape?: Shape, options?: CreateOptions): Tensor {
  if (ArrayBuffer.isView(data)) {
    const arr = data as TypedArray;
    const dt = options?.dtype ?? dtypeOf(arr);
    const s = shape ?? [arr.length];
    checkShape('tensor', s);
    const buf = dt === dtypeOf(arr) ? arr : allocArray(dt, arr.length);
    if (buf !== arr) buf.set(arr);
    return finish(new Tensor(buf, s), options);
  }
  const dt = options?.dtype ?? 'float32';
  if (shape) {
    checkShape('tensor', shape);
    if (typeof data === 'number') {
      if (numel(shape) !== 1) throw new ShapeError('tensor', 'a single number needs a shape with one element', { shape });
      const out = allocArray(dt, 1);
      out[0] = data;
      return finish(new Tensor(out, shape), options);
    }
    const flat = (data as Nested[]).flat(Infinity as 1) as number[];
    if (flat.length !== numel(shape)) {
      throw new ShapeError('tensor', `data has ${flat.length} elements but the shape needs ${numel(shape)}`, { shape });
    }
    const out = allocArray(dt, flat.length);
    for (let i = 0; i < flat.length; i++) out[i] = flat[i];
    return finish(new Tensor(out, shape), options);
  }
  const inferred = inferShape(data as Nested);
  const out = allocArray(dt, numel(inferred));
  flatten('tensor', data as Nested, inferred, out);
  return finish(new Tensor(out, inferred), options);
}

export function full(shape: Shape, value: number, options?: CreateOptions): Tensor {
  checkShape('full', shape);
  const out = allocArray(options?.dtype ?? 'float32', numel(shape));
  if (value !== 0) out.fill(value);
  return finish(new Tensor(out, shape), options);
}

export const zeros = (shape: Shape, options?: CreateOptions): Tensor => full(shape, 0, options);
export const ones = (shape: Shape, options?: CreateOptions): Tensor => full(shape, 1, options);
export const scalar = (value: number, options?: CreateOptions): Tensor => full([], value, options);
export const zerosLike = (t: Tensor, options?: CreateOptions): Tensor => full(t.shape, 0, { dtype: t.dtype, ...options });
export const onesLike = (t: Tensor, options?: CreateOptions): Tensor => full(t.shape, 1, { dtype: t.dtype, ...options });
export const fullLike = (t: Tensor, value: number, options?: CreateOptions): Tensor =>
  full(t.shape, value, { dtype: t.dtype, ...options });

/** arange(end) or arange(start, end, step), as torch.arange: [start, end) in steps of step. */
export function arange(startOrEnd: number, end?: number, step = 1, options?: CreateOptions): Tensor {
  const start = end === undefined ? 0 : startOrEnd;
  const stop = end === undefined ? startOrEnd : end;
  if (step === 0 || !Number.isFinite(step)) throw new ConfigError('arange', `step must be a non-zero finite number, got ${step}`);
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const out = allocArray(options?.dtype ?? (Number.isInteger(start) && Number.isInteger(step) ? 'int32' : 'float32'), n);
  for (let i = 0; i < n; i++) out[i] = start + i * step;
  return finish(new Tensor(out, [n]), options);
}

/** Standard normal draws from the seeded generator (default: the global one; see rng.ts). */
export function randn(shape: Shape, options?: RandomOptions): Tensor {
  checkShape('randn', shape);
  const g = options?.generator ?? defaultGenerator;
  const out = allocArray(options?.dtype ?? 'float32', numel(shape));
  for (let i = 0; i < out.length; i++) out[i] = g.normal();
  return finish(new Tensor(out, shape), options);
}

/** Uniform draws in [low, high) (default [0, 1)). */
export function rand(shape: Shape, options?: RandomOptions & { low?: number; high?: number }): Tensor {
  checkShape('rand', shape);
  const g = options?.generator ?? defaultGenerator;
  const lo = options?.low ?? 0;
  const hi = options?.high ?? 1;
  const out = allocArray(options?.dtype ?? 'float32', numel(shape));
  for (let i = 0; i < out.length; i++) out[i] = lo + (hi - lo) * g.uniform();
  return finish(new Tensor(out, shape), options);
}

/** Integers uniform in [low, high), int32 by default, as torch.randint. */
export function randint(low: number, high: number, shape: Shape, options?: RandomOptions): Tensor {
  checkShape('randint', shape);
  if (!(high > low)) throw new ConfigError('randint', `high (${high}) must be greater than low (${low}); shape ${fmtShape(shape)}`);
  const g = options?.generator ?? defaultGenerator;
  const out = allocArray(options?.dtype ?? 'int32', numel(shape));
  for (let i = 0; i < out.length; i++) out[i] = g.int(low, high);
  return finish(new Tensor(out, shape), options);
}
