/**
 * GEMM, the `js` reference kernel:  C[M,N] = op(A)·op(B)  (or C += op(A)·op(B) when `accumulate`),
 * op(X) = X or Xᵀ.  All matrices are row-major slices of flat arrays with a leading dimension (row stride):
 *   op(A)[i,k] = transA ? a[aOffset + k·lda + i] : a[aOffset + i·lda + k]      (op(A) is M×K)
 *   op(B)[k,j] = transB ? b[bOffset + j·ldb + k] : b[bOffset + k·ldb + j]      (op(B) is K×N)
 *   C[i,j]     = c[cOffset + i·ldc + j]
 *
 * Blocking (GotoBLAS): for each KC-deep slice of K, a KC×NC block of op(B) is packed into NR-wide column panels,
 * then an MC×KC block of op(A) into MR-tall row panels, and the MR×NR micro-kernel multiplies one A panel by one
 * B panel with the 16 sums held in scalar locals (registers). Panels are packed as float64 whatever the input
 * type, so the micro-kernel sees one array type (monomorphic) and float64 inputs lose nothing.
 * Edges are handled by zero-padding the panels: the micro-kernel always runs the full MR×NR tile and only the
 * valid part is stored.
 *
 * Determinism: every C[i,j] is summed in the same order (k ascending within a KC slice, slices added to C in
 * ascending order), wherever its tile falls, so any split of the work over rows or columns of C gives
 * bit-identical results. The work unit is a rectangle [i0, i1) × [j0, j1) of C; never split K.
 */
import type { FloatArray } from '../tensor/dtype.js';

/** One GEMM problem; see the file comment for the index formulas. */
export interface GemmProblem {
  M: number;
  N: number;
  K: number;
  a: FloatArray;
  aOffset: number;
  lda: number;
  transA: boolean;
  b: FloatArray;
  bOffset: number;
  ldb: number;
  transB: boolean;
  c: FloatArray;
  cOffset: number;
  ldc: number;
  /** C += op(A)·op(B) instead of C = op(A)·op(B). */
  accumulate: boolean;
  /**
   * Optional: then C[i, j] += rowBias[rowBiasOffset + i], added to the finished value of C (the same bits as a
   * separate pass over C after the product; the conv bias). The wasm kernel adds it as it stores C.
   */
  rowBias?: FloatArray;
  rowBiasOffset?: number;
}

/** Micro-tile rows × columns, and the cache blocks (KC·MR and KC·NR panels stay in L1, an MC×KC A block in L2). */
export const MR = 4;
export const NR = 4;
const KC = 256;
const MC = 64;
const NC = 2048;

let packedA = new Float64Array(MC * KC);
let packedB = new Float64Array(KC * NC);
const tile = new Float64Array(MR * NR);

/**
 * Compute the [i0, i1) × [j0, j1) block of C. Default: all of C.
 * K = 0 sets the block to 0 (or leaves it unchanged when accumulating), as BLAS does.
 */
export function gemmJs(p: GemmProblem, i0 = 0, i1 = p.M, j0 = 0, j1 = p.N): void {
  if (i1 <= i0 || j1 <= j0) return;
  if (p.K === 0) {
    if (!p.accumulate) for (let i = i0; i < i1; i++) p.c.fill(0, p.cOffset + i * p.ldc + j0, p.cOffset + i * p.ldc + j1);
  } else gemmBlocks(p, i0, i1, j0, j1);
  if (p.rowBias) addRowBias(p, p.rowBias, p.rowBiasOffset ?? 0, i0, i1, j0, j1);
}

/** C[i, j] += bias[off + i] over the block. */
function addRowBias(p: GemmProblem, bias: FloatArray, off: number, i0: number, i1: number, j0: number, j1: number): void {
  const c = p.c;
  for (let i = i0; i < i1; i++) {
    const b = bias[off + i], row = p.cOffset + i * p.ldc;
    for (let j = row + j0; j < row + j1; j++) c[j] += b;
  }
}

function gemmBlocks(p: GemmProblem, i0: number, i1: number, j0: number, j1: number): void {
  // element strides of op(A) along i and k, and of op(B) along k and j
  const aRow = p.transA ? 1 : p.lda, aCol = p.transA ? p.lda : 1;
  const bRow = p.transB ? 1 : p.ldb, bCol = p.transB ? p.ldb : 1;
  for (let jc = j0; jc < j1; jc += NC) {
    const nc = Math.min(NC, j1 - jc);
    for (let pc = 0; pc < p.K; pc += KC) {
      const kc = Math.min(KC, p.K - pc);
      const overwrite = pc === 0 && !p.accumulate;
      packB(p.b, p.bOffset + pc * bRow + jc * bCol, bRow, bCol, kc, nc);
      for (let ic = i0; ic < i1; ic += MC) {
        const mc = Math.min(MC, i1 - ic);
        packA(p.a, p.aOffset + ic * aRow + pc * aCol, aRow, aCol, mc, kc);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = Math.min(NR, nc - jr);
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = Math.min(MR, mc - ir), cOff = p.cOffset + (ic + ir) * p.ldc + jc + jr;
            if (mr === MR && nr === NR) microKernel4x4(kc, packedA, ir * kc, packedB, jr * kc, p.c, cOff, p.ldc, overwrite);
            else {
              microKernel4x4(kc, packedA, ir * kc, packedB, jr * kc, tile, 0, NR, true);
              storeTile(p.c, cOff, p.ldc, mr, nr, overwrite);
            }
          }
        }
      }
    }
  }
}

/** packedA[(r/MR)·kc·MR + k·MR + r%MR] = A[r, k] for the mc×kc block at a[off] (row stride rs, column stride cs), zero-padded to MR rows. */
function packA(a: FloatArray, off: number, rs: number, cs: number, mc: number, kc: number): void {
  const need = Math.ceil(mc / MR) * MR * kc;
  if (packedA.length < need) packedA = new Float64Array(need);
  const dst = packedA;
  let o = 0;
  for (let i = 0; i < mc; i += MR) {
    const rows = Math.min(MR, mc - i);
    for (let k = 0; k < kc; k++) {
      const src = off + i * rs + k * cs;
      for (let r = 0; r < MR; r++) dst[o++] = r < rows ? a[src + r * rs] : 0;
    }
  }
}

/** packedB[(j/NR)·kc·NR + k·NR + j%NR] = B[k, j] for the kc×nc block at b[off] (row stride rs, column stride cs), zero-padded to NR columns. */
function packB(b: FloatArray, off: number, rs: number, cs: number, kc: number, nc: number): void {
  const need = Math.ceil(nc / NR) * NR * kc;
  if (packedB.length < need) packedB = new Float64Array(need);
  const dst = packedB;
  let o = 0;
  for (let j = 0; j < nc; j += NR) {
    const cols = Math.min(NR, nc - j);
    for (let k = 0; k < kc; k++) {
      const src = off + k * rs + j * cs;
      for (let q = 0; q < NR; q++) dst[o++] = q < cols ? b[src + q * cs] : 0;
    }
  }
}

/**
 * C[r, q] (+)= Σ_k ap[ai + k·MR + r] · bp[bi + k·NR + q] for the 4×4 tile at c[off] (row stride ldc):
 * the 16 sums are kept in locals (registers) over the whole k loop.
 */
function microKernel4x4(
  kc: number, ap: Float64Array, ai: number, bp: Float64Array, bi: number,
  c: FloatArray, off: number, ldc: number, overwrite: boolean,
): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let k = 0; k < kc; k++, ai += 4, bi += 4) {
    const a0 = ap[ai], a1 = ap[ai + 1], a2 = ap[ai + 2], a3 = ap[ai + 3];
    const b0 = bp[bi], b1 = bp[bi + 1], b2 = bp[bi + 2], b3 = bp[bi + 3];
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
  }
  const o0 = off, o1 = off + ldc, o2 = off + 2 * ldc, o3 = off + 3 * ldc;
  if (!overwrite) {
    c00 += c[o0]; c01 += c[o0 + 1]; c02 += c[o0 + 2]; c03 += c[o0 + 3];
    c10 += c[o1]; c11 += c[o1 + 1]; c12 += c[o1 + 2]; c13 += c[o1 + 3];
    c20 += c[o2]; c21 += c[o2 + 1]; c22 += c[o2 + 2]; c23 += c[o2 + 3];
    c30 += c[o3]; c31 += c[o3 + 1]; c32 += c[o3 + 2]; c33 += c[o3 + 3];
  }
  c[o0] = c00; c[o0 + 1] = c01; c[o0 + 2] = c02; c[o0 + 3] = c03;
  c[o1] = c10; c[o1 + 1] = c11; c[o1 + 2] = c12; c[o1 + 3] = c13;
  c[o2] = c20; c[o2 + 1] = c21; c[o2 + 2] = c22; c[o2 + 3] = c23;
  c[o3] = c30; c[o3 + 1] = c31; c[o3 + 2] = c32; c[o3 + 3] = c33;
}

/** C[r, q] = tile[r, q] (overwrite) or C[r, q] += tile[r, q], for the valid rows × cols of the tile at c[off]. */
function storeTile(c: FloatArray, off: number, ldc: number, rows: number, cols: number, overwrite: boolean): void {
  for (let r = 0; r < rows; r++) {
    const o = off + r * ldc;
    for (let q = 0; q < cols; q++) c[o + q] = overwrite ? tile[r * NR + q] : c[o + q] + tile[r * NR + q];
  }
}
