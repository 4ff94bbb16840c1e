/** Element types. float32 is the working type, float64 is for checking (gradcheck, golden fixtures), int32 for labels. */
import { acquireBuffer } from './buffer-pool.js';

export type DType = 'float32' | 'float64' | 'int32';
export type FloatArray = Float32Array | Float64Array;
export type TypedArray = Float32Array | Float64Array | Int32Array;

/**
 * A zero-filled array of n elements: a recycled one from the buffer pool when it has one, else a new one from the
 * backend's source (a view of the wasm heap) or a plain new typed array (see buffer-pool.ts).
 */
export function allocArray(dtype: DType, n: number): TypedArray {
  const recycled = acquireBuffer(dtype, n, true);
  if (recycled) return recycled;
  return newArray(dtype, n);
}

/** A new zero-filled plain array. */
function newArray(dtype: DType, n: number): TypedArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(n);
    case 'float64':
      return new Float64Array(n);
    case 'int32':
      return new Int32Array(n);
  }
}

/**
 * Like allocArray, but a recycled buffer is not zero-filled: for outputs the kernel overwrites in full (saves a
 * memset of the whole array; AMSUnet's forward zero-filled ~45 ms worth per pass). Never for accumulators.
 */
export function allocUninit(dtype: DType, n: number): TypedArray {
  return acquireBuffer(dtype, n, false) ?? newArray(dtype, n);
}

export function dtypeOf(a: TypedArray): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  return 'int32';
}

export const isFloat = (d: DType): boolean => d !== 'int32';

/** Whether an array holds floats (the kernels' float paths take Float32Array and Float64Array, not Int32Array). */
export const isFloatArray = (a: TypedArray): a is FloatArray => a instanceof Float32Array || a instanceof Float64Array;

/** Type promotion as PyTorch does for tensor-tensor ops: int32 < float32 < float64. */
export function promote(a: DType, b: DType): DType {
  if (a === 'float64' || b === 'float64') return 'float64';
  if (a === 'float32' || b === 'float32') return 'float32';
  return 'int32';
}
