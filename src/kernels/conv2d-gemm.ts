/**
 * Convolutions as matrix products (the GEMM formulation; the loop kernels in conv2d.ts stay the reference).
 * Per image n and group g, with P = oH·oW output pixels, Kg = Cin/groups·kH·kW, and x[n] read as the matrix
 *   col[n][(ci, kh, kw), (oh, ow)] = x[n, g·cinG + ci, oh·sH − pH + kh·dH, ow·sW − pW + kw·dW]   (0 in the padding)
 * (im2col; for a 1x1, stride-1, unpadded conv col[n] is x[n] itself, viewed as [Cin, H·W], and nothing is copied):
 *   y[n]  = W · col[n] + b              W = weight viewed as [Cout, Kg] per group         (M Cout, K Kg, N P)
 *   gcol  = Wᵀ · gy[n],  gx = col2im(gcol)   col2im adds every gcol entry back to the input pixel it was read from
 *   gw    = Σ_n gy[n] · col[n]ᵀ                                                            (M Cout, K P, N Kg)
 * The products run on the `gemm` the caller passes (src/backend/dispatch/conv2d.ts passes the backend's, so float32
 * goes to the WebAssembly SIMD kernel and the worker pool).
 * Work units are the reference kernels' — (n, co) planes, (n, ci) planes, output channels co — so the dispatcher
 * can use either; a range maps to a block of rows of each product, and a GEMM computes every C element in the
 * same order whatever its block, so any split gives the same bits. Summation order differs from the reference
 * loops (float64 results agree to rounding, float32 to float32 summation error).
 */
import type { FloatArray } from '../tensor/dtype.js';
import type { GemmProblem } from './gemm.js';
import { type Buf, type ConvGeom, tapRanges } from './conv2d-common.js';

export type GemmFn = (p: GemmProblem) => void;

/** C (+)= op(A)·op(B) (+ bias[biasOffset + i] on row i) with C row stride = N: the one shape of product these kernels need. */
function product(
  gemm: GemmFn, M: number, N: number, K: number,
  a: Buf, aOffset: number, lda: number, transA: boolean,
  b: Buf, bOffset: number, ldb: number, transB: boolean,
  c: FloatArray, cOffset: number, accumulate: boolean,
  bias: Buf | null = null, biasOffset = 0,
): void {
  if (M <= 0 || N <= 0) return;
  gemm({
    M, N, K, a: a as FloatArray, aOffset, lda, transA, b: b as FloatArray, bOffset, ldb, transB, c, cOffset, ldc: N, accumulate,
    rowBias: bias ? (bias as FloatArray) : undefined, rowBiasOffset: biasOffset,
  });
}

/** For the planes [lo, hi) of N·C: call f(n, c0, c1) for each image's run of channels [c0, c1). */
function forImageRuns(C: number, lo: number, hi: number, f: (n: number, c0: number, c1: number) => void): void {
  for (let n = Math.floor(lo / C); n * C < hi; n++) f(n, Math.max(lo - n * C, 0), Math.min(hi - n * C, C));
}

/* ---------- scratch: one growable buffer per element type, reused across calls ---------- */

let scratch32 = new Float32Array(0);
let scratch64 = new Float64Array(0);

/** A buffer of at least n elements of y's type. Its contents are overwritten by the next call. */
function scratchLike(y: FloatArray, n: number): FloatArray {
  if (y instanceof Float32Array) {
    if (scratch32.length < n) scratch32 = new Float32Array(n);
    return scratch32;
  }
  if (scratch64.length < n) scratch64 = new Float64Array(n);
  return scratch64;
}

/* ---------- 1x1 convolutions (isPointwise): the products read x, y, gy in place ---------- */

/** y[n, co, :] = b[co] + Σ_ci w[co, ci]·x[n, ci0 + ci, :]. Work unit: (n, co) planes [lo, hi) of N·Cout. */
export function conv2dForwardPointwiseGemm(y: FloatArray, x: Buf, w: Buf, b: Buf | null, g: ConvGeom, gemm: GemmFn, lo = 0, hi = g.N * g.Cout): void {
  const { Cin, Cout, groups } = g;
  const cinG = Cin / groups, coutG = Cout / groups, HW = g.H * g.W;
  forImageRuns(Cout, lo, hi, (n, c0, c1) => {
    for (let grp = Math.floor(c0 / coutG); grp * coutG < c1; grp++) {
      const co0 = Math.max(c0, grp * coutG), co1 = Math.min(c1, (grp + 1) * coutG);
      // the bias goes in as the product is stored (the same bits as adding it afterwards)
      product(gemm, co1 - co0, HW, cinG, w, co0 * cinG, cinG, false, x, (n * Cin + grp * cinG) * HW, HW, false, y, (n * Cout + co0) * HW, false, b, co0);
    }
  });
}

/** gx[n, ci, :] = Σ_co w[co, ci − ci0]·gy[n, co, :] over ci's group. Work unit: (n, ci) planes [lo, hi) of N·Cin. */
export function conv2dBackwardInputPointwiseGemm(gx: FloatArray, gy: Buf, w: Buf, g: ConvGeom, gemm: GemmFn, lo = 0, hi = g.N * g.Cin): void {
  const { Cin, Cout, groups } = g;
  const cinG = Cin / groups, coutG = Cout / groups, HW = g.H * g.W;
  forImageRuns(Cin, lo, hi, (n, c0, c1) => {
    for (let grp = Math.floor(c0 / cinG); grp * cinG < c1; grp++) {
      const ci0 = Math.max(c0, grp * cinG), ci1 = Math.min(c1, (grp + 1) * cinG);
      // op(A)[ci, co] = w[(grp·coutG + co)·cinG + ci]: the group's weight block, transposed
      product(gemm, ci1 - ci0, HW, coutG, w, grp * coutG * cinG + (ci0 - grp * cinG), cinG, true,
        gy, (n * Cout + grp * coutG) * HW, HW, false, gx, (n * Cin + ci0) * HW, false);
    }
  });
}

/** gw[co, ci] = Σ_{n, i} gy[n, co, i]·x[n, ci0 + ci, i]. Work unit: output channels [lo, hi) of Cout. */
export function conv2dBackwardWeightPointwiseGemm(gw: FloatArray, gy: Buf, x: Buf, g: ConvGeom, gemm: GemmFn, lo = 0, hi = g.Cout): void {
  const { N, Cin, Cout, groups } = g;
  const cinG = Cin / groups, coutG = Cout / groups, HW = g.H * g.W;
  if (N === 0) gw.fill(0, lo * cinG, hi * cinG);
  for (let grp = Math.floor(lo / coutG); grp * coutG < hi; grp++) {
    const co0 = Math.max(lo, grp * coutG), co1 = Math.min(hi, (grp + 1) * coutG);
    for (let n = 0; n < N; n++) {
      // op(B)[i, ci] = x[n, grp·cinG + ci, i]: the image's channels, transposed
      product(gemm, co1 - co0, cinG, HW, gy, (n * Cout + co0) * HW, HW, false,
        x, (n * Cin + grp * cinG) * HW, HW, true, gw, co0 * cinG, n > 0);
    }
  }
}

/* ---------- any other geometry: im2col / col2im around the same products ---------- */

/**
 * Unit-stride rows at least this long are copied by the engine's own typed-array copy (a memcpy) rather than a JS
 * loop: the same values, and as fast the first time it runs as later, where a loop V8 has not compiled yet runs
 * interpreted (im2col of a 256² stem conv was 10x slower in a process's first forward than in its second).
 */
const NATIVE_ROW = 32;

/**
 * The inner loops of im2col for one tap (ci, kh, kw), over its rows that read inside x:
 *   col[c + r·oW + j] = x[s + r·rowStride + j·step]   for r < rows, j < cols
 * (oW is im2col's; the caller knows it). The default is the JS loop below; the wasm backend passes its own kernel.
 */
export type TapCopy = (c: number, s: number, rows: number, cols: number, rowStride: number, step: number) => void;

/**
 * col[(ci, kh, kw), (oh, ow)] for ci in [ci0, ci1) of image n (default all Cin, every group), P = oH·oW columns per
 * row. Work unit: input channels (each writes its own kH·kW rows of col). `copyTap` replaces the inner loops (the
 * zero fill of a padded tap's row stays here).
 */
export function im2col(col: FloatArray, x: Buf, g: ConvGeom, n: number, ci0 = 0, ci1 = g.Cin, copyTap?: TapCopy): void {
  const { Cin, H, W, kH, kW, oH, oW, sH, sW, pH, pW, dH, dW } = g;
  const rows = tapRanges(H, oH, sH, pH, dH, kH);
  const cols = tapRanges(W, oW, sW, pW, dW, kW);
  const P = oH * oW;
  for (let ci = ci0; ci < ci1; ci++) {
    const xOff = (n * Cin + ci) * H * W;
    for (let kh = 0; kh < kH; kh++) {
      const ohLo = rows.lo[kh], ohHi = rows.hi[kh];
      for (let kw = 0; kw < kW; kw++) {
        const r = ((ci * kH + kh) * kW + kw) * P;
        const owLo = cols.lo[kw], owHi = cols.hi[kw];
        if (ohLo > 0 || ohHi < oH || owLo > 0 || owHi < oW) col.fill(0, r, r + P);
        const xk = xOff + kh * dH * W - pH * W + kw * dW - pW;
        if (copyTap) {
          if (ohHi > ohLo && owHi > owLo) copyTap(r + ohLo * oW + owLo, xk + ohLo * sH * W + owLo * sW, ohHi - ohLo, owHi - owLo, sH * W, sW);
          continue;
        }
        for (let oh = ohLo; oh < ohHi; oh++) {
          const xRow = xk + oh * sH * W;
          const cRow = r + oh * oW;
          if (sW !== 1) for (let ow = owLo; ow < owHi; ow++) col[cRow + ow] = x[xRow + ow * sW];
          else if (owHi - owLo >= NATIVE_ROW) col.set(x.subarray(xRow + owLo, xRow + owHi), cRow + owLo);
          else for (let ow = owLo; ow < owHi; ow++) col[cRow + ow] = x[xRow + ow];
        }
      }
    }
  }
}

/** gx[n, ci] = Σ over (kh, kw) of gcol row (ci − ciBase, kh, kw) added back to the pixels it was read from; ci in [ci0, ci1). */
export function col2im(gx: FloatArray, gcol: FloatArray, g: ConvGeom, n: number, ci0: number, ci1: number, ciBase: number): void {
  const { Cin, H, W, kH, kW, oH, oW, sH, sW, pH, pW, dH, dW } = g;
  const rows = tapRanges(H, oH, sH, pH, dH, kH);
  const cols = tapRanges(W, oW, sW, pW, dW, kW);
  const P = oH * oW;
  for (let ci = ci0; ci < ci1; ci++) {
    const xOff = (n * Cin + ci) * H * W;
    gx.fill(0, xOff, xOff + H * W);
    for (let kh = 0; kh < kH; kh++) {
      const ohLo = rows.lo[kh], ohHi = rows.hi[kh];
      for (let kw = 0; kw < kW; kw++) {
        const r = (((ci - ciBase) * kH + kh) * kW + kw) * P;
        const owLo = cols.lo[kw], owHi = cols.hi[kw];
        const xk = xOff + kh * dH * W - pH * W + kw * dW - pW;
        for (let oh = ohLo; oh < ohHi; oh++) {
          const xRow = xk + oh * sH * W;
          const cRow = r + oh * oW;
          for (let ow = owLo; ow < owHi; ow++) gx[xRow + ow * sW] += gcol[cRow + ow];
        }
      }
    }
  }
}

/**
 * Where image n's col is made, for the forward and the weight gradient (default: im2col on this thread into a
 * reused scratch array; the wasm dispatcher passes an array in the shared heap and an im2col split over the pool,
 * the same values).
 */
export interface ImageCols {
  col: FloatArray;
  fill(col: FloatArray, n: number): void;
}

/** Forward by im2col. Work unit: (n, co) planes [lo, hi) of N·Cout. */
export function conv2dForwardIm2col(
  y: FloatArray, x: Buf, w: Buf, b: Buf | null, g: ConvGeom, gemm: GemmFn, lo = 0, hi = g.N * g.Cout,
  cols: ImageCols | null = null,
): void {
  const { Cin, Cout, groups, kH, kW } = g;
  const P = g.oH * g.oW, coutG = Cout / groups, Kg = (Cin / groups) * kH * kW;
  const col = cols ? cols.col : scratchLike(y, Cin * kH * kW * P);
  forImageRuns(Cout, lo, hi, (n, c0, c1) => {
    if (cols) cols.fill(col, n);
    else im2col(col, x, g, n);
    for (let grp = Math.floor(c0 / coutG); grp * coutG < c1; grp++) {
      const co0 = Math.max(c0, grp * coutG), co1 = Math.min(c1, (grp + 1) * coutG);
      product(gemm, co1 - co0, P, Kg, w, co0 * Kg, Kg, false, col, grp * Kg * P, P, false, y, (n * Cout + co0) * P, false, b, co0);
    }
  });
}

/**
 * Where the input gradient's gcol lives and who adds it back into gx (default: a reused scratch array, col2im on
 * this thread; the wasm dispatcher passes an array in the shared heap and col2im split over the pool by channel).
 */
export interface ImageGcol {
  gcol: FloatArray;
  scatter(gx: FloatArray, gcol: FloatArray, n: number, ci0: number, ci1: number, ciBase: number): void;
}

/** Input gradient by GEMM + col2im. Work unit: (n, ci) planes [lo, hi) of N·Cin. Overwrites gx. */
export function conv2dBackwardInputIm2col(
  gx: FloatArray, gy: Buf, w: Buf, g: ConvGeom, gemm: GemmFn, lo = 0, hi = g.N * g.Cin, cols: ImageGcol | null = null,
): void {
  const { Cin, Cout, groups, kH, kW } = g;
  const P = g.oH * g.oW, cinG = Cin / groups, coutG = Cout / groups, kk = kH * kW, Kg = cinG * kk;
  const gcol = cols ? cols.gcol : scratchLike(gx, Kg * P);
  forImageRuns(Cin, lo, hi, (n, c0, c1) => {
    for (let grp = Math.floor(c0 / cinG); grp * cinG < c1; grp++) {
      const ci0 = Math.max(c0, grp * cinG), ci1 = Math.min(c1, (grp + 1) * cinG);
      const r0 = (ci0 - grp * cinG) * kk; // first gcol row: (ci0 − group start, 0, 0)
      // op(A)[(ci, kh, kw), co] = w[(grp·coutG + co)·Kg + (ci, kh, kw)]
      product(gemm, (ci1 - ci0) * kk, P, coutG, w, grp * coutG * Kg + r0, Kg, true,
        gy, (n * Cout + grp * coutG) * P, P, false, gcol, 0, false);
      if (cols) cols.scatter(gx, gcol, n, ci0, ci1, ci0);
      else col2im(gx, gcol, g, n, ci0, ci1, ci0);
    }
  });
}

/** Weight gradient by im2col + GEMM. Work unit: output channels [lo, hi) of Cout. */
export function conv2dBackwardWeightIm2col(
  gw: FloatArray, gy: Buf, x: Buf, g: ConvGeom, gemm: GemmFn, lo = 0, hi = g.Cout, cols: ImageCols | null = null,
): void {
  const { N, Cin, Cout, groups, kH, kW } = g;
  const P = g.oH * g.oW, coutG = Cout / groups, Kg = (Cin / groups) * kH * kW;
  if (N === 0 || P === 0) {
    gw.fill(0, lo * Kg, hi * Kg);
    return;
  }
  const col = cols ? cols.col : scratchLike(gw, Cin * kH * kW * P);
  for (let n = 0; n < N; n++) {
    if (cols) cols.fill(col, n);
    else im2col(col, x, g, n);
    for (let grp = Math.floor(lo / coutG); grp * coutG < hi; grp++) {
      const co0 = Math.max(lo, grp * coutG), co1 = Math.min(hi, (grp + 1) * coutG);
      // op(B)[(oh, ow), (ci, kh, kw)] = col[(grp·Kg + (ci, kh, kw))·P + (oh, ow)]
      product(gemm, co1 - co0, Kg, P, gy, (n * Cout + co0) * P, P, false, col, grp * Kg * P, P, true, gw, co0 * Kg, n > 0);
    }
  }
}
