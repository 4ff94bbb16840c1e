/**
 * Strided copies: the one kernel pair behind permute, expand, slice, narrow and cat.
 * A "view" of a contiguous array is (offset, strides) over a shape: element [i0, ..., ik] lives at
 * offset + Σ i_d·strides[d]. permute uses permuted strides, expand uses stride 0 on broadcast dims,
 * slice uses offset start·stride and stride step·stride, cat writes each input into an offset view of the output.
 * Work unit: one row along the last dim of `shape`; a worker gets rows [lo, hi).
 */
import type { TypedArray } from '../tensor/dtype.js';
import type { Shape } from '../tensor/shape.js';

/** Number of rows (along the last dim) of a shape: the work units of the kernels below. */
export function rowsOf(shape: Shape): number {
  let n = 1;
  for (let d = 0; d < shape.length - 1; d++) n *= shape[d];
  return shape.length === 0 ? 1 : n;
}

/** Offset of the first element of row r in the view. */
function rowStart(shape: Shape, offset: number, strides: readonly number[], r: number): number {
  let at = offset;
  for (let d = shape.length - 2; d >= 0; d--) {
    at += (r % shape[d]) * strides[d];
    r = Math.floor(r / shape[d]);
  }
  return at;
}

/**
 * Copy rows [lo, hi) of `shape` between contiguous order and the strided view, into the view when `intoView`
 * (scatter), out of it otherwise (gather): both directions are the same walk with the two sides swapped.
 */
function copyRows(
  dst: TypedArray,
  src: TypedArray,
  offset: number,
  strides: readonly number[],
  shape: Shape,
  intoView: boolean,
  lo: number,
  hi: number,
): void {
  const n = shape.length;
  if (n === 0) {
    if (lo < hi) dst[intoView ? offset : 0] = src[intoView ? 0 : offset];
    return;
  }
  const inner = shape[n - 1];
  const s = strides[n - 1];
  const dStep = intoView ? s : 1;
  const sStep = intoView ? 1 : s;
  // the view's row start: computed for row lo, then moved like an odometer over the outer dims
  const idx = new Array<number>(n).fill(0);
  for (let d = n - 2, q = lo; d >= 0; d--) {
    idx[d] = q % shape[d];
    q = Math.floor(q / shape[d]);
  }
  let at = rowStart(shape, offset, strides, lo);
  for (let r = lo; r < hi; r++) {
    if (r > lo) {
      for (let k = n - 2; k >= 0; k--) {
        at += strides[k];
        if (++idx[k] < shape[k]) break;
        at -= strides[k] * shape[k];
        idx[k] = 0;
      }
    }
    const o = r * inner;
    let d = intoView ? at : o;
    let q = intoView ? o : at;
    // the same copies, done natively where a row is contiguous on both sides (memcpy) or one value broadcast
    // along it (a gather with stride 0, as expand's rows: fill)
    if (dStep === 1 && sStep === 1 && inner >= 16) dst.set(src.subarray(q, q + inner), d);
    else if (sStep === 0 && inner >= 16) dst.fill(src[q], d, d + inner);
    else for (let j = 0; j < inner; j++, d += dStep, q += sStep) dst[d] = src[q];
  }
}

/** out[i] = x[view(i)]: gather a strided view of x into contiguous out (rows [lo, hi) of shape). */
export function gatherStrided(
  out: TypedArray,
  x: TypedArray,
  offset: number,
  strides: readonly number[],
  shape: Shape,
  lo = 0,
  hi = rowsOf(shape),
): void {
  copyRows(out, x, offset, strides, shape, false, lo, hi);
}

/** out[view(i)] = x[i]: scatter contiguous x into a strided view of out (rows [lo, hi) of shape). */
export function scatterStrided(
  out: TypedArray,
  x: TypedArray,
  offset: number,
  strides: readonly number[],
  shape: Shape,
  lo = 0,
  hi = rowsOf(shape),
): void {
  copyRows(out, x, offset, strides, shape, true, lo, hi);
}
