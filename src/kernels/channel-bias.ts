/**
 * The per-channel bias of a convolution over NC·plane data: the forward add y[n,c,i] += b[c] and its gradient
 * gb[c] = Σ_{n,i} gy[n,c,i]. Both are one pass over the data, so they are written for throughput: the channel is
 * tracked by a counter instead of a modulo per plane, the bias value is hoisted out of the plane loop, and the
 * inner loops are unrolled 4-way.
 */
import type { FloatArray } from '../tensor/dtype.js';
import type { Buf } from './conv2d-common.js';

/**
 * y[n,c,i] += b[c] (in place). Work unit: (n, c) planes [lo, hi) of N·C. Each element gets exactly one addition
 * of the same b[c], so the result is bit-identical to the plain loop whatever the unrolling or the split.
 */
export function addChannelBias(y: FloatArray, b: Buf, C: number, plane: number, lo: number, hi: number): void {
  const body = plane - (plane & 3);
  let c = lo % C;
  for (let p = lo; p < hi; p++) {
    const bv = b[c];
    const off = p * plane;
    const end = off + body;
    let i = off;
    for (; i < end; i += 4) {
      y[i] += bv;
      y[i + 1] += bv;
      y[i + 2] += bv;
      y[i + 3] += bv;
    }
    for (const last = off + plane; i < last; i++) y[i] += bv;
    if (++c === C) c = 0;
  }
}

/**
 * Per-channel sum over N and the plane: gb[c] = Σ_{n,i} gy[n,c,i]. Work unit: channels [lo, hi) of C.
 * Summation order (in JS doubles, one rounding to gb's type at the end): four running sums s0..s3 per channel
 * carried across the images n = 0, 1, …; in each plane, with body = plane − plane mod 4, element i < body goes to
 * s[i mod 4] in increasing i, then the tail elements body ≤ i < plane go to s0 in increasing i;
 * gb[c] = (s0 + s1) + (s2 + s3). The order depends only on (N, plane), never on the split [lo, hi).
 */
export function channelSum(gb: FloatArray, gy: Buf, N: number, C: number, plane: number, lo = 0, hi = C): void {
  const body = plane - (plane & 3);
  const imageStride = C * plane;
  for (let c = lo; c < hi; c++) {
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let n = 0, off = c * plane; n < N; n++, off += imageStride) {
      const end = off + body;
      let i = off;
      for (; i < end; i += 4) {
        s0 += gy[i];
        s1 += gy[i + 1];
        s2 += gy[i + 2];
        s3 += gy[i + 3];
      }
      for (const last = off + plane; i < last; i++) s0 += gy[i];
    }
    gb[c] = (s0 + s1) + (s2 + s3);
  }
}
