/**
 * The blocking loops of the wasm GEMM, in TypeScript around the generated kernel (gemm-module.ts):
 * for each NC-wide column block and KC-deep slice of K, pack op(B), then for each MC-tall row block pack op(A)
 * and run the macro-kernel. Same order of summation as the js GEMM's (k ascending within a slice, slices added to C
 * in order), in float32. Runs unchanged in the main thread and in workers; `scratch` must be private to the caller.
 */
import type { GemmKernelShape } from './modules/gemm-module.js';

export interface GemmExports {
  packA(src: number, rs: number, cs: number, mc: number, kc: number, dst: number): void;
  packB(src: number, cs: number, rs: number, nc: number, kc: number, dst: number): void;
  macro(mc: number, nc: number, kc: number, pa: number, pb: number, c: number, ldc: number, overwrite: number, tile: number, bias: number): void;
}

/**
 * A GEMM whose operands are in wasm memory: a, b, c are byte addresses of element 0 (see gemm.ts for the formulas).
 * packedA / packedB (byte addresses, 0 = none): that operand was already packed in full by packFull (shared by
 * every thread, so none packs it again); otherwise each block is packed into the caller's scratch.
 */
export interface WasmGemmProblem {
  M: number;
  N: number;
  K: number;
  a: number;
  lda: number;
  transA: boolean;
  b: number;
  ldb: number;
  transB: boolean;
  c: number;
  ldc: number;
  accumulate: boolean;
  packedA: number;
  packedB: number;
  /** Byte address of a float32 bias per row of C added to the finished product (C[i, :] += bias[i]), or 0. */
  bias: number;
}

/** Cache blocks: an MC×KC block of A (128 KiB) in L2, KC×NR B panels (8 KiB) in L1. */
export const KC = 256;
export const MC = 128;
export const NC = 1024;

const roundUp = (x: number, m: number) => Math.ceil(x / m) * m;

/** Bytes of private scratch one caller needs: packed A block, packed B block, one spill tile; 64-byte aligned. */
export function gemmScratchBytes(shape: GemmKernelShape): number {
  const floats = roundUp(MC, shape.MR) * KC + KC * roundUp(NC, shape.NR) + shape.MR * shape.NR;
  return roundUp(floats * 4, 64);
}

/**
 * Full packed layout of op(A) (lanes = its M rows, W = MR) or op(B) (lanes = its N columns, W = NR): the KC-deep
 * slice starting at k-index pc begins at float offset pc·roundUp(lanes, W), and within it the panel holding lane l
 * (l a multiple of W) at l·kc. Bytes needed:
 */
export function packedFullBytes(lanes: number, K: number, W: number): number {
  return roundUp(lanes, W) * K * 4;
}

/** Pack lanes [l0, l1) of op(A) (which = 'A') or op(B) into the full layout at dst; l0 must be a multiple of W. */
export function packFull(k: GemmExports, shape: GemmKernelShape, p: WasmGemmProblem, which: 'A' | 'B', dst: number, l0: number, l1: number): void {
  const isA = which === 'A';
  const W = isA ? shape.MR : shape.NR, lanes = isA ? p.M : p.N;
  // strides of op(X) along its lanes and along k
  const laneStride = isA ? (p.transA ? 1 : p.lda) : (p.transB ? p.ldb : 1);
  const kStride = isA ? (p.transA ? p.lda : 1) : (p.transB ? 1 : p.ldb);
  const src = isA ? p.a : p.b, pack = isA ? k.packA : k.packB;
  for (let pc = 0; pc < p.K; pc += KC) {
    const kc = Math.min(KC, p.K - pc);
    pack(src + 4 * (l0 * laneStride + pc * kStride), laneStride, kStride, l1 - l0, kc, dst + 4 * (pc * roundUp(lanes, W) + l0 * kc));
  }
}

/**
 * Compute the [i0, i1) × [j0, j1) block of C. K must be ≥ 1 (the caller zero-fills C for K = 0).
 * With a prepacked operand, the block must start on a panel boundary of it (i0 % MR = 0, or j0 % NR = 0).
 */
export function gemmWasmBlock(
  k: GemmExports, shape: GemmKernelShape, p: WasmGemmProblem, scratch: number,
  i0 = 0, i1 = p.M, j0 = 0, j1 = p.N,
): void {
  if (i1 <= i0 || j1 <= j0 || p.K === 0) return;
  const scratchA = scratch;
  const scratchB = scratchA + roundUp(MC, shape.MR) * KC * 4;
  const tile = scratchB + KC * roundUp(NC, shape.NR) * 4;
  const Mpad = roundUp(p.M, shape.MR), Npad = roundUp(p.N, shape.NR);
  const aRow = p.transA ? 1 : p.lda, aCol = p.transA ? p.lda : 1;
  const bRow = p.transB ? 1 : p.ldb, bCol = p.transB ? p.ldb : 1;
  for (let jc = j0; jc < j1; jc += NC) {
    const nc = Math.min(NC, j1 - jc);
    for (let pc = 0; pc < p.K; pc += KC) {
      const kc = Math.min(KC, p.K - pc);
      const overwrite = pc === 0 && !p.accumulate ? 1 : 0;
      const lastSlice = pc + kc >= p.K;
      let pb = p.packedB + 4 * (pc * Npad + jc * kc);
      if (!p.packedB) k.packB(p.b + 4 * (pc * bRow + jc * bCol), bCol, bRow, nc, kc, (pb = scratchB));
      for (let ic = i0; ic < i1; ic += MC) {
        const mc = Math.min(MC, i1 - ic);
        let pa = p.packedA + 4 * (pc * Mpad + ic * kc);
        if (!p.packedA) k.packA(p.a + 4 * (ic * aRow + pc * aCol), aRow, aCol, mc, kc, (pa = scratchA));
        const bias = p.bias && lastSlice ? p.bias + 4 * ic : 0;
        k.macro(mc, nc, kc, pa, pb, p.c + 4 * (ic * p.ldc + jc), p.ldc, overwrite, tile, bias);
      }
    }
  }
}
