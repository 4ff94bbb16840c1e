/**
 * Reductions over any set of axes of a contiguous row-major array, accumulated in JS doubles.
 *
 * reducePlan() simplifies the problem once: size-1 dims are dropped and neighbouring dims of the same kind
 * (both reduced or both kept) are merged, which is exact for contiguous data. The last merged dim then decides
 * the inner loop:
 *   - last dim reduced (length L, stride 1): out[p]    = R_{r, l<L} x[base(p) + red[r] + l]
 *   - last dim kept    (length J, stride 1): out[p, j] = R_{r}      x[base(p) + red[r] + j]
 * where p runs over the remaining kept dims ("rows"), base(p) is p's input offset and red[] lists the input
 * offsets of the other reduced positions in row-major order. Either way the innermost loop reads contiguous memory.
 * Work unit: one output row of J elements; a worker gets rows [lo, hi).
 */
import type { TypedArray } from '../tensor/dtype.js';
import { type Shape, stridesOf } from '../tensor/shape.js';

export interface ReducePlan {
  /** Number of output rows p. */
  readonly rows: number;
  /** Contiguous kept run at the end (1 when the last dim is reduced): each row has J outputs. */
  readonly J: number;
  /** Contiguous reduced run at the end (1 when the last dim is kept). */
  readonly L: number;
  /** Sizes and input strides of the kept dims that make up the row index p (outer to inner). */
  readonly rowSizes: readonly number[];
  readonly rowStrides: readonly number[];
  /** Input offsets of the reduced positions other than the trailing run, in row-major order. */
  readonly red: Int32Array;
  /** Number of input elements reduced into each output (red.length * L). */
  readonly count: number;
}

/** Plan the reduction of `shape` over `axes` (normalised, any order). */
export function reducePlan(shape: Shape, axes: readonly number[]): ReducePlan {
  const strides = stridesOf(shape);
  const dims: { size: number; stride: number; reduced: boolean }[] = [];
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const reduced = axes.includes(d);
    const last = dims[dims.length - 1];
    if (last && last.reduced === reduced) {
      last.size *= shape[d];
      last.stride = strides[d];
    } else dims.push({ size: shape[d], stride: strides[d], reduced });
  }
  let J = 1;
  let L = 1;
  const tail = dims.pop();
  if (tail) {
    if (tail.reduced) L = tail.size;
    else J = tail.size;
  }
  const rowSizes: number[] = [];
  const rowStrides: number[] = [];
  let red = [0];
  for (const d of dims) {
    if (!d.reduced) {
      rowSizes.push(d.size);
      rowStrides.push(d.stride);
      continue;
    }
    const next: number[] = [];
    for (const o of red) for (let i = 0; i < d.size; i++) next.push(o + i * d.stride);
    red = next;
  }
  let rows = 1;
  for (const s of rowSizes) rows *= s;
  return { rows, J, L, rowSizes, rowStrides, red: Int32Array.from(red), count: red.length * L };
}

/** Input offset of output row p. */
function rowBase(plan: ReducePlan, p: number): number {
  let base = 0;
  for (let d = plan.rowSizes.length - 1; d >= 0; d--) {
    const size = plan.rowSizes[d];
    base += (p % size) * plan.rowStrides[d];
    p = Math.floor(p / size);
  }
  return base;
}

/** y[p, j] = (Σ x over the reduced positions) / divisor, summed in doubles (divisor 1: sum, count: mean). */
export function reduceSum(y: TypedArray, x: TypedArray, plan: ReducePlan, divisor = 1, lo = 0, hi = plan.rows): void {
  const { J, L, red } = plan;
  if (J === 0) return;
  const nr = red.length;
  const acc = J > 1 ? new Float64Array(J) : null;
  for (let p = lo; p < hi; p++) {
    const base = rowBase(plan, p);
    if (acc === null) {
      let s = 0;
      for (let r = 0; r < nr; r++) {
        const o = base + red[r];
        for (let l = 0; l < L; l++) s += x[o + l];
      }
      y[p] = s / divisor;
    } else {
      acc.fill(0);
      for (let r = 0; r < nr; r++) {
        const o = base + red[r];
        for (let j = 0; j < J; j++) acc[j] += x[o + j];
      }
      const q = p * J;
      for (let j = 0; j < J; j++) y[q + j] = acc[j] / divisor;
    }
  }
}

/**
 * y[p, j] = max (isMax) or min of x over the reduced positions, and src[p, j] = the input offset it came from.
 * Ties keep the first position in row-major order (as torch.max(dim)); a NaN wins and propagates, first NaN kept.
 * Requires plan.count > 0.
 */
export function reduceExtreme(
  y: TypedArray,
  src: Int32Array,
  x: TypedArray,
  plan: ReducePlan,
  isMax: boolean,
  lo = 0,
  hi = plan.rows,
): void {
  const { J, L, red } = plan;
  if (J === 0) return;
  const nr = red.length;
  for (let p = lo; p < hi; p++) {
    const base = rowBase(plan, p);
    if (J === 1) {
      let at = base + red[0];
      let m = x[at];
      for (let r = 0; r < nr; r++) {
        const o = base + red[r];
        for (let l = 0; l < L; l++) {
          const v = x[o + l];
          if (m === m && (v !== v || (isMax ? v > m : v < m))) {
            m = v;
            at = o + l;
          }
        }
      }
      y[p] = m;
      src[p] = at;
    } else {
      const q = p * J;
      const o0 = base + red[0];
      for (let j = 0; j < J; j++) {
        y[q + j] = x[o0 + j];
        src[q + j] = o0 + j;
      }
      for (let r = 1; r < nr; r++) {
        const o = base + red[r];
        for (let j = 0; j < J; j++) {
          const v = x[o + j];
          const m = y[q + j];
          if (m === m && (v !== v || (isMax ? v > m : v < m))) {
            y[q + j] = v;
            src[q + j] = o + j;
          }
        }
      }
    }
  }
}

/** gx[src[i]] = gy[i]: routes each output's gradient to the input element it was taken from (gx starts at 0). */
export function scatterAt(gx: TypedArray, src: Int32Array, gy: TypedArray, lo = 0, hi = src.length): void {
  for (let i = lo; i < hi; i++) gx[src[i]] = gy[i];
}
