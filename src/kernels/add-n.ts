/**
 * The sum of k ≥ 1 same-length arrays, in the order of the chained binary adds:
 *   out[i] = ((x0[i] + x1[i]) + x2[i]) + … + x_{k−1}[i]
 * with every partial sum rounded to out's element type (the store into `out` does it: float32 rounding, or int32
 * wrap-around), so the result is bit-identical to k − 1 add calls. Only [lo, hi) of out is written.
 *
 * Blocked: BLOCK elements of out are summed in place while they sit in L1, one input at a time, so each input is
 * read once and out written once, where the chained adds read and write a full-size temporary per add.
 */
import type { TypedArray } from '../tensor/dtype.js';

const BLOCK = 2048;

export function addNKernel(out: TypedArray, xs: readonly TypedArray[], lo: number, hi: number): void {
  const k = xs.length;
  if (k === 1) {
    out.set(xs[0].subarray(lo, hi), lo);
    return;
  }
  for (let b = lo; b < hi; b += BLOCK) {
    const e = Math.min(hi, b + BLOCK);
    addPair(out, xs[0], xs[1], b, e);
    for (let j = 2; j < k; j++) addInPlace(out, xs[j], b, e);
  }
}

/** out[i] = a[i] + b[i] for i in [lo, hi), unrolled by four. */
function addPair(out: TypedArray, a: TypedArray, b: TypedArray, lo: number, hi: number): void {
  let i = lo;
  for (const end = hi - 3; i < end; i += 4) {
    out[i] = a[i] + b[i];
    out[i + 1] = a[i + 1] + b[i + 1];
    out[i + 2] = a[i + 2] + b[i + 2];
    out[i + 3] = a[i + 3] + b[i + 3];
  }
  for (; i < hi; i++) out[i] = a[i] + b[i];
}

/** out[i] = out[i] + x[i] for i in [lo, hi), unrolled by four. */
function addInPlace(out: TypedArray, x: TypedArray, lo: number, hi: number): void {
  let i = lo;
  for (const end = hi - 3; i < end; i += 4) {
    out[i] = out[i] + x[i];
    out[i + 1] = out[i + 1] + x[i + 1];
    out[i + 2] = out[i + 2] + x[i + 2];
    out[i + 3] = out[i + 3] + x[i + 3];
  }
  for (; i < hi; i++) out[i] = out[i] + x[i];
}

/** a[i] += b[i] over all of a (4-way unrolled: one addition per element, so the same bits as the plain loop). */
export function addIntoKernel(a: TypedArray, b: TypedArray): void {
  const n = a.length;
  const body = n - (n & 3);
  let i = 0;
  for (; i < body; i += 4) {
    a[i] += b[i];
    a[i + 1] += b[i + 1];
    a[i + 2] += b[i + 2];
    a[i + 3] += b[i + 3];
  }
  for (; i < n; i++) a[i] += b[i];
}
