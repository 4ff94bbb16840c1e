/**
 * The blocking loops of the wasm GEMM, in TypeScript around the generated kernel (gemm-module.ts):
 * for each NC-wide column block and KC-deep slice of K, pack op(B), then for each MC-tall row block pack op(A)
 * and run the macro-kernel. Same order of summation as the js GEMM's (k ascending within a slice, slices added to C
 * in order), in float32. Runs unchanged in the main thread and in workers; `scratch` must be private to the caller.
 */
import type { GemmKernelShape } from './gemm-module.js';

export interface GemmExports {
  packA(src: number, rs: number, cs: number, mc: number, kc: number, dst: number): void;
  packB(src: number, cs: number, rs: number, nc: number, kc: number, dst: number): void;
  macro(mc: number, nc: number, kc: number, pa: number, pb: number, c: number, ldc: number, overwrite: number, tile: number): void;
}

/** A GEMM whose operands are in wasm memory: a, b, c are byte addresses of element 0 (see gemm.ts for the formulas). */
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
}

/** Cache blocks: an MC×KC block of A (128 KiB) in L2, KC×NR B panels (8 KiB) in L1. */
export const KC = 256;
export const MC = 128;
export const NC = 1024;

/** Bytes of private scratch one caller needs: packed A block, packed B block, one spill tile; 64-byte aligned. */
export function gemmScratchBytes(shape: GemmKernelShape): number {
  const round = (x: number, m: number) => Math.ceil(x / m) * m;
  const floats = round(MC, shape.MR) * KC + KC * round(NC, shape.NR) + shape.MR * shape.NR;
  return round(floats * 4, 64);
}

/** Compute the [i0, i1) × [j0, j1) block of C. K must be ≥ 1 (the caller zero-fills C for K = 0). */
export function gemmWasmBlock(
  k: GemmExports, shape: GemmKernelShape, p: WasmGemmProblem, scratch: number,
  i0 = 0, i1 = p.M, j0 = 0, j1 = p.N,
): void {
  if (i1 <= i0 || j1 <= j0 || p.K === 0) return;
  const packedA = scratch;
  const packedB = packedA + Math.ceil(MC / shape.MR) * shape.MR * KC * 4;
  const tile = packedB + KC * Math.ceil(NC / shape.NR) * shape.NR * 4;
  const aRow = p.transA ? 1 : p.lda, aCol = p.transA ? p.lda : 1;
  const bRow = p.transB ? 1 : p.ldb, bCol = p.transB ? p.ldb : 1;
  for (let jc = j0; jc < j1; jc += NC) {
    const nc = Math.min(NC, j1 - jc);
    for (let pc = 0; pc < p.K; pc += KC) {
      const kc = Math.min(KC, p.K - pc);
      const overwrite = pc === 0 && !p.accumulate ? 1 : 0;
      k.packB(p.b + 4 * (pc * bRow + jc * bCol), bCol, bRow, nc, kc, packedB);
      for (let ic = i0; ic < i1; ic += MC) {
        const mc = Math.min(MC, i1 - ic);
        k.packA(p.a + 4 * (ic * aRow + pc * aCol), aRow, aCol, mc, kc, packedA);
        k.macro(mc, nc, kc, packedA, packedB, p.c + 4 * (ic * p.ldc + jc), p.ldc, overwrite, tile);
      }
    }
  }
}
