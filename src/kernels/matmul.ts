/**
 * One matrix product C = A·B for row-major A [M, K], B [K, N], C [M, N]:  C[i, j] = Σ_k A[i, k]·B[k, j].
 * Loop order i-k-j: the innermost loop walks row k of B and row i of C contiguously, and each A[i, k] is
 * loaded once. Row i is accumulated in a Float64Array, so float32 products are summed in doubles.
 * Work unit: one row i of C; a worker gets rows [lo, hi). The matmul op uses it for int32 operands only: float
 * products go to the engine's GEMM (kernels/gemm.ts and its WebAssembly twin), summing in their own type.
 */
import type { TypedArray } from '../tensor/dtype.js';

export function matmulKernel(
  out: TypedArray,
  a: TypedArray,
  b: TypedArray,
  M: number,
  K: number,
  N: number,
  lo = 0,
  hi = M,
): void {
  const acc = new Float64Array(N);
  for (let i = lo; i < hi; i++) {
    acc.fill(0);
    const aRow = i * K;
    for (let k = 0; k < K; k++) {
      const aik = a[aRow + k];
      const bRow = k * N;
      for (let j = 0; j < N; j++) acc[j] += aik * b[bRow + j];
    }
    const oRow = i * N;
    for (let j = 0; j < N; j++) out[oRow + j] = acc[j];
  }
}
