/**
 * Padding kernels (F.pad). Shapes are split into "outer" dims that are copied as they are and padded dims.
 *
 * constant:  y[o] = x[o − before] where that lies inside x, else value. Cropping (negative pads) is the same formula,
 *            so the gradient of a constant pad is a constant pad of gy by the negated pads with value 0.
 * reflect / replicate / circular: every output position reads one input position (a gather),
 *            y[p, j] = x[p, idx[j]]   with p an outer "plane" and idx built once per call by padGatherIndex;
 *            the gradient is the scatter-add gx[p, idx[j]] += gy[p, j].
 */
import type { FloatArray, TypedArray } from '../tensor/dtype.js';
import { rowsOf } from './strided.js';

export type PadGatherMode = 'reflect' | 'replicate' | 'circular';

/**
 * Constant pad of any rank: y has shape yShape = xShape + before + after (per dim; pads may be negative).
 * Work unit: output rows (all dims but the last, flattened) [lo, hi). Overwrites y.
 */
export function padConstant(
  y: TypedArray,
  x: TypedArray,
  xShape: readonly number[],
  yShape: readonly number[],
  before: readonly number[],
  value: number,
  lo = 0,
  hi = rowsOf(yShape),
): void {
  const r = yShape.length;
  if (r === 0) {
    y[0] = x[0];
    return;
  }
  const last = r - 1;
  const inW = xShape[last];
  const outW = yShape[last];
  // the copied segment of each row: output columns [c0, c1) read input columns [c0 − before, c1 − before)
  const c0 = Math.min(outW, Math.max(0, before[last]));
  const c1 = Math.max(c0, Math.min(outW, inW + before[last]));
  const shift = before[last];
  const idx = new Int32Array(last); // odometer over the outer output dims, starting at row lo
  let rest = lo;
  for (let d = last - 1; d >= 0; d--) {
    idx[d] = rest % yShape[d];
    rest = Math.floor(rest / yShape[d]);
  }
  for (let row = lo; row < hi; row++) {
    // the input row this output row reads, or −1 when it lies in the padding
    let src = 0;
    for (let d = 0; d < last; d++) {
      const i = idx[d] - before[d];
      if (i < 0 || i >= xShape[d]) {
        src = -1;
        break;
      }
      src = src * xShape[d] + i;
    }
    const yOff = row * outW;
    if (src < 0 || c1 === c0) y.fill(value, yOff, yOff + outW);
    else {
      const xOff = src * inW - shift;
      y.fill(value, yOff, yOff + c0);
      for (let c = c0; c < c1; c++) y[yOff + c] = x[xOff + c];
      y.fill(value, yOff + c1, yOff + outW);
    }
    for (let d = last - 1; d >= 0; d--) {
      if (++idx[d] < yShape[d]) break;
      idx[d] = 0;
    }
  }
}

/**
 * For one padded dim of size n, the input index each output index o ∈ [0, n + before + after) reads:
 * reflect mirrors about the edge without repeating it (…, x2, x1 | x0, x1, x2 | …), replicate clamps, circular wraps.
 * Callers guarantee the pads are non-negative, reflect pads < n, circular pads ≤ n, and n > 0.
 */
export function padSourceIndex(n: number, before: number, after: number, mode: PadGatherMode): Int32Array {
  const out = new Int32Array(n + before + after);
  for (let o = 0; o < out.length; o++) {
    let i = o - before;
    if (mode === 'reflect') {
      if (i < 0) i = -i;
      else if (i >= n) i = 2 * (n - 1) - i;
    } else if (mode === 'replicate') i = Math.min(n - 1, Math.max(0, i));
    else i = ((i % n) + n) % n;
    out[o] = i;
  }
  return out;
}

/**
 * Flat input offsets for every position of one padded output plane: the padded dims are the last inDims.length
 * dims, and idx[j] = Σ_d map_d[o_d]·inStride_d for output position j = (o_0, …, o_k−1) in row-major order.
 */
export function padGatherIndex(inDims: readonly number[], before: readonly number[], after: readonly number[], mode: PadGatherMode): Int32Array {
  let idx = new Int32Array([0]);
  for (let d = 0; d < inDims.length; d++) {
    const map = padSourceIndex(inDims[d], before[d], after[d], mode);
    const next = new Int32Array(idx.length * map.length);
    for (let a = 0; a < idx.length; a++) {
      const base = idx[a] * inDims[d];
      for (let o = 0; o < map.length; o++) next[a * map.length + o] = base + map[o];
    }
    idx = next;
  }
  return idx;
}

/** y[p, j] = x[p, idx[j]]. Work unit: outer planes [lo, hi). */
export function padGather(y: TypedArray, x: TypedArray, idx: Int32Array, inPlane: number, lo: number, hi: number): void {
  const outPlane = idx.length;
  for (let p = lo; p < hi; p++) {
    const xOff = p * inPlane;
    const yOff = p * outPlane;
    for (let j = 0; j < outPlane; j++) y[yOff + j] = x[xOff + idx[j]];
  }
}

/** gx[p, idx[j]] += gy[p, j] (gx zeroed first, accumulated in float64). Work unit: outer planes [lo, hi). */
export function padScatterAdd(gx: FloatArray, gy: TypedArray, idx: Int32Array, inPlane: number, lo: number, hi: number): void {
  const outPlane = idx.length;
  const acc = new Float64Array(inPlane);
  for (let p = lo; p < hi; p++) {
    const gyOff = p * outPlane;
    acc.fill(0);
    for (let j = 0; j < outPlane; j++) acc[idx[j]] += gy[gyOff + j];
    gx.set(acc, p * inPlane);
  }
}
