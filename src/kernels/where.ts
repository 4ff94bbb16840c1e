/**
 * out[i] = cond[i] != 0 ? a[i] : b[i] with NumPy broadcasting: every operand is read through broadcast strides
 * (0 on dims where it has size 1), as in elementwise.ts. Work unit: one row along the last dim of outShape.
 */
import type { TypedArray } from '../tensor/dtype.js';
import type { Shape } from '../tensor/shape.js';
import { rowsOf } from './strided.js';

export function whereKernel(
  out: TypedArray,
  c: TypedArray,
  sc: readonly number[],
  a: TypedArray,
  sa: readonly number[],
  b: TypedArray,
  sb: readonly number[],
  outShape: Shape,
  lo = 0,
  hi = rowsOf(outShape),
): void {
  const n = outShape.length;
  if (n === 0) {
    if (lo < hi) out[0] = c[0] !== 0 ? a[0] : b[0];
    return;
  }
  const inner = outShape[n - 1];
  const ic = sc[n - 1];
  const ia = sa[n - 1];
  const ib = sb[n - 1];
  for (let r = lo; r < hi; r++) {
    let pc = 0;
    let pa = 0;
    let pb = 0;
    for (let d = n - 2, q = r; d >= 0; d--) {
      const i = q % outShape[d];
      q = Math.floor(q / outShape[d]);
      pc += i * sc[d];
      pa += i * sa[d];
      pb += i * sb[d];
    }
    const o = r * inner;
    for (let j = 0; j < inner; j++) out[o + j] = c[pc + j * ic] !== 0 ? a[pa + j * ia] : b[pb + j * ib];
  }
}
