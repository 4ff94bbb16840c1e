/**
 * add / sub / mul / div / max / min over broadcast operands with no call per element (the general binaryBroadcast
 * calls f for every element). max and min are Math.max / Math.min (NaN propagates, +0 above −0): the element-wise
 * maximum and minimum ops, which on heap float32 data run as f32x4.max / min (the same results). Broadcast strides as in elementwise.ts (0 on broadcast dims).
 *
 * First the dims are collapsed: size-1 dims are dropped and dim d merges into dim d+1 when, for both operands,
 * stride[d] = stride[d+1]·size[d+1] (contiguous across the pair, or broadcast along both). AMSUnet's patterns
 * then become a few long rows:
 *   [N,C,H,W] ⊙ [N,C,H,W]  →  one row of N·C·H·W                      (ia = ib = 1)
 *   [N,C,H,W] ⊙ [N,C,1,1]  →  [N·C, H·W], b strides [1, 0]            (one b value per row)
 *   [N,C,H,W] ⊙ [N,1,H,W]  →  [N, C, H·W], b strides [H·W, 0, 1]      (the same b row for every channel)
 * Each row runs a loop specialised for its strides (both 1, one operand constant, or general).
 */
import type { TypedArray } from '../tensor/dtype.js';
import type { Shape } from '../tensor/shape.js';
import { addSame, subSame, mulSame, divSame } from './elementwise.js';

export const ADD = 0, SUB = 1, MUL = 2, DIV = 3, MAX = 4, MIN = 5;
export type ArithOp = typeof ADD | typeof SUB | typeof MUL | typeof DIV | typeof MAX | typeof MIN;

export interface CollapsedBroadcast {
  shape: number[];
  sa: number[];
  sb: number[];
}

/** Drop size-1 dims and merge adjacent dims that both operands walk as one (see the file comment). */
export function collapseBroadcast(shape: Shape, sa: readonly number[], sb: readonly number[]): CollapsedBroadcast {
  const out: CollapsedBroadcast = { shape: [], sa: [], sb: [] };
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const k = out.shape.length - 1;
    if (k >= 0 && out.sa[k] === sa[d] * shape[d] && out.sb[k] === sb[d] * shape[d]) {
      out.shape[k] *= shape[d];
      out.sa[k] = sa[d];
      out.sb[k] = sb[d];
    } else {
      out.shape.push(shape[d]);
      out.sa.push(sa[d]);
      out.sb.push(sb[d]);
    }
  }
  return out;
}

type Row = (out: TypedArray, o: number, a: TypedArray, pa: number, ia: number, b: TypedArray, pb: number, ib: number, n: number) => void;

// The rows: out[o + j] = a[pa + j·ia] (op) b[pb + j·ib], j < n. Contiguous cases are unrolled by four (as the
// *Same loops in elementwise.ts); a constant operand is read once per row.
function addRow(out: TypedArray, o: number, a: TypedArray, pa: number, ia: number, b: TypedArray, pb: number, ib: number, n: number): void {
  const n4 = n & ~3;
  let j = 0;
  if (ia === 1 && ib === 1) {
    for (; j < n4; j += 4) {
      out[o + j] = a[pa + j] + b[pb + j];
      out[o + j + 1] = a[pa + j + 1] + b[pb + j + 1];
      out[o + j + 2] = a[pa + j + 2] + b[pb + j + 2];
      out[o + j + 3] = a[pa + j + 3] + b[pb + j + 3];
    }
    for (; j < n; j++) out[o + j] = a[pa + j] + b[pb + j];
  } else if (ia === 1 && ib === 0) {
    const v = b[pb];
    for (; j < n4; j += 4) {
      out[o + j] = a[pa + j] + v;
      out[o + j + 1] = a[pa + j + 1] + v;
      out[o + j + 2] = a[pa + j + 2] + v;
      out[o + j + 3] = a[pa + j + 3] + v;
    }
    for (; j < n; j++) out[o + j] = a[pa + j] + v;
  } else if (ia === 0 && ib === 1) {
    const u = a[pa];
    for (; j < n4; j += 4) {
      out[o + j] = u + b[pb + j];
      out[o + j + 1] = u + b[pb + j + 1];
      out[o + j + 2] = u + b[pb + j + 2];
      out[o + j + 3] = u + b[pb + j + 3];
    }
    for (; j < n; j++) out[o + j] = u + b[pb + j];
  } else for (; j < n; j++) out[o + j] = a[pa + j * ia] + b[pb + j * ib];
}

function subRow(out: TypedArray, o: number, a: TypedArray, pa: number, ia: number, b: TypedArray, pb: number, ib: number, n: number): void {
  const n4 = n & ~3;
  let j = 0;
  if (ia === 1 && ib === 1) {
    for (; j < n4; j += 4) {
      out[o + j] = a[pa + j] - b[pb + j];
      out[o + j + 1] = a[pa + j + 1] - b[pb + j + 1];
      out[o + j + 2] = a[pa + j + 2] - b[pb + j + 2];
      out[o + j + 3] = a[pa + j + 3] - b[pb + j + 3];
    }
    for (; j < n; j++) out[o + j] = a[pa + j] - b[pb + j];
  } else if (ia === 1 && ib === 0) {
    const v = b[pb];
    for (; j < n4; j += 4) {
      out[o + j] = a[pa + j] - v;
      out[o + j + 1] = a[pa + j + 1] - v;
      out[o + j + 2] = a[pa + j + 2] - v;
      out[o + j + 3] = a[pa + j + 3] - v;
    }
    for (; j < n; j++) out[o + j] = a[pa + j] - v;
  } else if (ia === 0 && ib === 1) {
    const u = a[pa];
    for (; j < n4; j += 4) {
      out[o + j] = u - b[pb + j];
      out[o + j + 1] = u - b[pb + j + 1];
      out[o + j + 2] = u - b[pb + j + 2];
      out[o + j + 3] = u - b[pb + j + 3];
    }
    for (; j < n; j++) out[o + j] = u - b[pb + j];
  } else for (; j < n; j++) out[o + j] = a[pa + j * ia] - b[pb + j * ib];
}

function mulRow(out: TypedArray, o: number, a: TypedArray, pa: number, ia: number, b: TypedArray, pb: number, ib: number, n: number): void {
  const n4 = n & ~3;
  let j = 0;
  if (ia === 1 && ib === 1) {
    for (; j < n4; j += 4) {
      out[o + j] = a[pa + j] * b[pb + j];
      out[o + j + 1] = a[pa + j + 1] * b[pb + j + 1];
      out[o + j + 2] = a[pa + j + 2] * b[pb + j + 2];
      out[o + j + 3] = a[pa + j + 3] * b[pb + j + 3];
    }
    for (; j < n; j++) out[o + j] = a[pa + j] * b[pb + j];
  } else if (ia === 1 && ib === 0) {
    const v = b[pb];
    for (; j < n4; j += 4) {
      out[o + j] = a[pa + j] * v;
      out[o + j + 1] = a[pa + j + 1] * v;
      out[o + j + 2] = a[pa + j + 2] * v;
      out[o + j + 3] = a[pa + j + 3] * v;
    }
    for (; j < n; j++) out[o + j] = a[pa + j] * v;
  } else if (ia === 0 && ib === 1) {
    const u = a[pa];
    for (; j < n4; j += 4) {
      out[o + j] = u * b[pb + j];
      out[o + j + 1] = u * b[pb + j + 1];
      out[o + j + 2] = u * b[pb + j + 2];
      out[o + j + 3] = u * b[pb + j + 3];
    }
    for (; j < n; j++) out[o + j] = u * b[pb + j];
  } else for (; j < n; j++) out[o + j] = a[pa + j * ia] * b[pb + j * ib];
}

function divRow(out: TypedArray, o: number, a: TypedArray, pa: number, ia: number, b: TypedArray, pb: number, ib: number, n: number): void {
  const n4 = n & ~3;
  let j = 0;
  if (ia === 1 && ib === 1) {
    for (; j < n4; j += 4) {
      out[o + j] = a[pa + j] / b[pb + j];
      out[o + j + 1] = a[pa + j + 1] / b[pb + j + 1];
      out[o + j + 2] = a[pa + j + 2] / b[pb + j + 2];
      out[o + j + 3] = a[pa + j + 3] / b[pb + j + 3];
    }
    for (; j < n; j++) out[o + j] = a[pa + j] / b[pb + j];
  } else if (ia === 1 && ib === 0) {
    const v = b[pb]; // a / v, not a·(1/v): the same rounding as the per-element division
    for (; j < n4; j += 4) {
      out[o + j] = a[pa + j] / v;
      out[o + j + 1] = a[pa + j + 1] / v;
      out[o + j + 2] = a[pa + j + 2] / v;
      out[o + j + 3] = a[pa + j + 3] / v;
    }
    for (; j < n; j++) out[o + j] = a[pa + j] / v;
  } else if (ia === 0 && ib === 1) {
    const u = a[pa];
    for (; j < n4; j += 4) {
      out[o + j] = u / b[pb + j];
      out[o + j + 1] = u / b[pb + j + 1];
      out[o + j + 2] = u / b[pb + j + 2];
      out[o + j + 3] = u / b[pb + j + 3];
    }
    for (; j < n; j++) out[o + j] = u / b[pb + j];
  } else for (; j < n; j++) out[o + j] = a[pa + j * ia] / b[pb + j * ib];
}

/** max / min rows: one loop each, strides general (Math.max / Math.min branch inside anyway: no unrolling gains). */
function maxRow(out: TypedArray, o: number, a: TypedArray, pa: number, ia: number, b: TypedArray, pb: number, ib: number, n: number): void {
  for (let j = 0; j < n; j++) out[o + j] = Math.max(a[pa + j * ia], b[pb + j * ib]);
}

function minRow(out: TypedArray, o: number, a: TypedArray, pa: number, ia: number, b: TypedArray, pb: number, ib: number, n: number): void {
  for (let j = 0; j < n; j++) out[o + j] = Math.min(a[pa + j * ia], b[pb + j * ib]);
}

const maxSame = (out: TypedArray, a: TypedArray, b: TypedArray): void => maxRow(out, 0, a, 0, 1, b, 0, 1, out.length);
const minSame = (out: TypedArray, a: TypedArray, b: TypedArray): void => minRow(out, 0, a, 0, 1, b, 0, 1, out.length);

const ROWS: readonly Row[] = [addRow, subRow, mulRow, divRow, maxRow, minRow];
const SAME = [addSame, subSame, mulSame, divSame, maxSame, minSame] as const;

/** out = a (op) b over outShape, a and b read through broadcast strides sa, sb. Same results as binaryBroadcast. */
export function arithBroadcast(
  out: TypedArray,
  a: TypedArray,
  sa: readonly number[],
  b: TypedArray,
  sb: readonly number[],
  outShape: Shape,
  op: ArithOp,
): void {
  if (out.length === 0) return;
  const row = ROWS[op];
  const c = collapseBroadcast(outShape, sa, sb);
  const n = c.shape.length;
  if (n === 0) {
    row(out, 0, a, 0, 0, b, 0, 0, 1);
    return;
  }
  const inner = c.shape[n - 1], ia = c.sa[n - 1], ib = c.sb[n - 1];
  if (n === 1 && ia === 1 && ib === 1) {
    SAME[op](out, a, b); // same shapes (or broadcast only over size-1 dims)
    return;
  }
  const idx = new Array<number>(n).fill(0);
  let pa = 0, pb = 0;
  for (let o = 0; o < out.length; o += inner) {
    row(out, o, a, pa, ia, b, pb, ib, inner);
    for (let d = n - 2; d >= 0; d--) {
      idx[d]++;
      pa += c.sa[d];
      pb += c.sb[d];
      if (idx[d] < c.shape[d]) break;
      pa -= c.sa[d] * c.shape[d];
      pb -= c.sb[d] * c.shape[d];
      idx[d] = 0;
    }
  }
}

/**
 * The odometer over the outer dims of a collapsed broadcast: move `idx` (the row's indices, the innermost dim left
 * out) to the next row and return the offset `p` into the operand with strides `s` for it.
 */
export function nextRowOffset(idx: number[], c: CollapsedBroadcast, s: readonly number[], p: number): number {
  for (let d = c.shape.length - 2; d >= 0; d--) {
    idx[d]++;
    p += s[d];
    if (idx[d] < c.shape[d]) break;
    p -= s[d] * c.shape[d];
    idx[d] = 0;
  }
  return p;
}

/**
 * The gradient of a broadcast factor: out[k] = Σ g[i]·x[i] over the elements i of the output that read factor
 * element k (g and x both have the output's shape; so = the factor's broadcast strides). Sums run in double; one
 * pass, no g·x temporary. `out` is overwritten.
 */
export function mulSumTo(out: TypedArray, so: readonly number[], g: TypedArray, x: TypedArray, gShape: Shape): void {
  const c = collapseBroadcast(gShape, so, so);
  const n = c.shape.length;
  const acc = new Float64Array(out.length);
  if (n === 0) {
    acc[0] = g[0] * x[0];
  } else {
    const inner = c.shape[n - 1], io = c.sa[n - 1];
    const idx = new Array<number>(n).fill(0);
    let po = 0;
    for (let i = 0; i < g.length; i += inner) {
      if (io === 0) {
        // a dot product: four partial sums (no single add-latency chain)
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0, j = i;
        for (const end = i + (inner & ~3); j < end; j += 4) {
          s0 += g[j] * x[j];
          s1 += g[j + 1] * x[j + 1];
          s2 += g[j + 2] * x[j + 2];
          s3 += g[j + 3] * x[j + 3];
        }
        for (const end = i + inner; j < end; j++) s0 += g[j] * x[j];
        acc[po] += s0 + s1 + (s2 + s3);
      } else {
        for (let j = 0, jo = po; j < inner; j++, jo += io) acc[jo] += g[i + j] * x[i + j];
      }
      po = nextRowOffset(idx, c, c.sa, po);
    }
  }
  out.set(acc);
}

/** Both gradients of a same-shape product in one pass: ga = g·b, gb = g·a (g read once). */
export function mulGradsSame(ga: TypedArray, gb: TypedArray, g: TypedArray, a: TypedArray, b: TypedArray): void {
  const n = g.length;
  let i = 0;
  for (const end = n & ~3; i < end; i += 4) {
    const v0 = g[i], v1 = g[i + 1], v2 = g[i + 2], v3 = g[i + 3];
    ga[i] = v0 * b[i]; ga[i + 1] = v1 * b[i + 1]; ga[i + 2] = v2 * b[i + 2]; ga[i + 3] = v3 * b[i + 3];
    gb[i] = v0 * a[i]; gb[i + 1] = v1 * a[i + 1]; gb[i + 2] = v2 * a[i + 2]; gb[i + 3] = v3 * a[i + 3];
  }
  for (; i < n; i++) {
    ga[i] = g[i] * b[i];
    gb[i] = g[i] * a[i];
  }
}
