/**
 * 2-D resampling of NCHW planes (bilinear and nearest), forward and its exact adjoint (scatter-add of the same
 * weights). Work unit: planes p = n·C + c in [lo, hi); forward writes only plane p of y, backward only plane p of gx.
 *
 * Both modes are separable: one table per axis says, for each output index o, which input indices it reads and
 * with which weights. The tables follow PyTorch's UpSample.h (see linearAxis / nearestAxis), so
 *   bilinear  y[oh, ow] = Σ_{a,b ∈ {0,1}} λh_a[oh]·λw_b[ow]·x[ih_a[oh], iw_b[ow]]
 *   nearest   y[oh, ow] = x[ih[oh], iw[ow]]
 */
import type { FloatArray } from '../tensor/dtype.js';

/** Per-axis bilinear table: indices i0 ≤ i1 and weights l0 + l1 = 1 for every output index. */
export interface LinearAxis {
  i0: Int32Array;
  i1: Int32Array;
  l0: Float64Array;
  l1: Float64Array;
}

export interface ResampleGeom {
  /** N·C planes */
  P: number;
  H: number;
  W: number;
  oH: number;
  oW: number;
}

/**
 * PyTorch's linear source coordinates for one axis (compute_source_index_and_lambda):
 *   alignCorners: src = o·(in − 1)/(out − 1), 0 when out == 1;
 *   otherwise:    src = max((o + ½)·r − ½, 0), r = 1/scale when a scale factor was given, else in/out;
 *   i0 = min(floor(src), in − 1), l1 = clamp(src − i0, 0, 1), i1 = i0 + (i0 < in − 1), l0 = 1 − l1;
 *   out == in copies (i0 = i1 = o, l0 = 1).
 * `round` is the identity for float64 and Math.fround for float32, because PyTorch evaluates these coordinates in
 * the tensor's own precision (opmath float for float32). The floor goes through float32 as in PyTorch's floorf.
 * For float32 the tables are PyTorch's bit for bit (tests/ops/extra-golden.test.ts replays its arithmetic on them).
 */
export function linearAxis(
  inSize: number,
  outSize: number,
  alignCorners: boolean,
  scale: number | undefined,
  round: (v: number) => number,
): LinearAxis {
  const t: LinearAxis = {
    i0: new Int32Array(outSize),
    i1: new Int32Array(outSize),
    l0: new Float64Array(outSize),
    l1: new Float64Array(outSize),
  };
  let ratio: number;
  if (alignCorners) ratio = outSize > 1 ? round((inSize - 1) / (outSize - 1)) : 0;
  else ratio = scale !== undefined && scale > 0 ? round(1 / scale) : round(inSize / outSize);
  for (let o = 0; o < outSize; o++) {
    if (outSize === inSize) {
      t.i0[o] = o;
      t.i1[o] = o;
      t.l0[o] = 1;
      t.l1[o] = 0;
      continue;
    }
    let src: number;
    if (alignCorners) src = round(ratio * o);
    else {
      // one rounding, as PyTorch's float32 build evaluates ratio·(o + ½) − ½ with a fused multiply-add: the
      // product of a float32 ratio and o + ½ and the difference are exact in double, so round() is that FMA
      src = round(ratio * (o + 0.5) - 0.5);
      if (src < 0) src = 0;
    }
    const i0 = Math.min(Math.floor(Math.fround(src)), inSize - 1);
    const l1 = Math.min(Math.max(round(src - i0), 0), 1);
    t.i0[o] = i0;
    t.i1[o] = i0 < inSize - 1 ? i0 + 1 : i0;
    t.l1[o] = l1;
    t.l0[o] = round(1 - l1);
  }
  return t;
}

/**
 * PyTorch's 'nearest' source index for one axis (HelperInterpNearest, not 'nearest-exact'):
 *   idx = min(floor(o·r), in − 1),  r = 1/scale when a scale factor was given, else in/out,
 * with r and o·r rounded to the tensor's precision (`round`, as linearAxis) and the floor taken through float32
 * (PyTorch's floorf), so the indices match PyTorch's even where o·r lands next to an integer.
 */
export function nearestAxis(inSize: number, outSize: number, scale: number | undefined, round: (v: number) => number): Int32Array {
  const idx = new Int32Array(outSize);
  const r = scale !== undefined && scale > 0 ? round(1 / scale) : round(inSize / outSize);
  for (let o = 0; o < outSize; o++) idx[o] = Math.min(Math.floor(Math.fround(round(r * o))), inSize - 1);
  return idx;
}

export function bilinearForward(y: FloatArray, x: FloatArray, th: LinearAxis, tw: LinearAxis, g: ResampleGeom, lo = 0, hi = g.P): void {
  const { H, W, oH, oW } = g;
  for (let p = lo; p < hi; p++) {
    const xOff = p * H * W;
    let yo = p * oH * oW;
    for (let oh = 0; oh < oH; oh++) {
      const r0 = xOff + th.i0[oh] * W;
      const r1 = xOff + th.i1[oh] * W;
      const h0 = th.l0[oh];
      const h1 = th.l1[oh];
      for (let ow = 0; ow < oW; ow++, yo++) {
        const c0 = tw.i0[ow];
        const c1 = tw.i1[ow];
        const w0 = tw.l0[ow];
        const w1 = tw.l1[ow];
        y[yo] = h0 * (w0 * x[r0 + c0] + w1 * x[r0 + c1]) + h1 * (w0 * x[r1 + c0] + w1 * x[r1 + c1]);
      }
    }
  }
}

/** gx = Aᵀ·gy for the bilinear map A above; gx planes [lo, hi) are overwritten. */
export function bilinearBackward(gx: FloatArray, gy: FloatArray, th: LinearAxis, tw: LinearAxis, g: ResampleGeom, lo = 0, hi = g.P): void {
  const { H, W, oH, oW } = g;
  for (let p = lo; p < hi; p++) {
    const xOff = p * H * W;
    gx.fill(0, xOff, xOff + H * W);
    let yo = p * oH * oW;
    for (let oh = 0; oh < oH; oh++) {
      const r0 = xOff + th.i0[oh] * W;
      const r1 = xOff + th.i1[oh] * W;
      const h0 = th.l0[oh];
      const h1 = th.l1[oh];
      for (let ow = 0; ow < oW; ow++, yo++) {
        const c0 = tw.i0[ow];
        const c1 = tw.i1[ow];
        const w0 = tw.l0[ow];
        const w1 = tw.l1[ow];
        const v = gy[yo];
        gx[r0 + c0] += h0 * w0 * v;
        gx[r0 + c1] += h0 * w1 * v;
        gx[r1 + c0] += h1 * w0 * v;
        gx[r1 + c1] += h1 * w1 * v;
      }
    }
  }
}

export function nearestForward(y: FloatArray, x: FloatArray, ih: Int32Array, iw: Int32Array, g: ResampleGeom, lo = 0, hi = g.P): void {
  const { H, W, oH, oW } = g;
  for (let p = lo; p < hi; p++) {
    const xOff = p * H * W;
    let yo = p * oH * oW;
    for (let oh = 0; oh < oH; oh++) {
      if (oh > 0 && ih[oh] === ih[oh - 1]) {
        y.copyWithin(yo, yo - oW, yo); // the same source row as the last output row (upsampling): a copy of it
        yo += oW;
        continue;
      }
      const row = xOff + ih[oh] * W;
      for (let ow = 0; ow < oW; ow++, yo++) y[yo] = x[row + iw[ow]];
    }
  }
}

export function nearestBackward(gx: FloatArray, gy: FloatArray, ih: Int32Array, iw: Int32Array, g: ResampleGeom, lo = 0, hi = g.P): void {
  const { H, W, oH, oW } = g;
  for (let p = lo; p < hi; p++) {
    const xOff = p * H * W;
    gx.fill(0, xOff, xOff + H * W);
    let yo = p * oH * oW;
    for (let oh = 0; oh < oH; oh++) {
      const row = xOff + ih[oh] * W;
      for (let ow = 0; ow < oW; ow++, yo++) gx[row + iw[ow]] += gy[yo];
    }
  }
}
