/**
 * matmul with NumPy/PyTorch semantics: 1-D·1-D is a dot product; a 1-D left operand is treated as [1, K] and a
 * 1-D right operand as [K, 1], the added dim being removed from the result; otherwise the last two dims multiply
 * as matrices and the leading (batch) dims broadcast.
 * Backward for C = A·B per batch: gA = gy·Bᵀ, gB = Aᵀ·gy, each summed over the batch dims its operand was
 * broadcast along (sumTo).
 * Float products run on the engine's GEMM (float32 sums in float32, in its blocked order, as a BLAS does); int32
 * products on the plain loop of kernels/matmul.ts.
 */
import { Tensor } from '../tensor/tensor.js';
import { allocArray, promote, type FloatArray } from '../tensor/dtype.js';
import { fmtShape, numel } from '../tensor/shape.js';
import { ShapeError } from '../tensor/errors.js';
import { broadcastStrides } from '../kernels/elementwise.js';
import { matmulKernel } from '../kernels/matmul.js';
import { gemm } from '../backend/dispatch/gemm.js';
import { record } from '../autograd/record.js';
import { broadcastAll, castData, sumTo } from './broadcast.js';
import { reshape } from './shape.js';

/**
 * Batched product op(a)·op(b) of operands with ndim >= 2 whose shapes were validated; no graph. op(x) is x, or with
 * `transA` / `transB` its last two dims swapped, read in place by the GEMM (the backward's Bᵀ and Aᵀ: no copies).
 */
function batchedProduct(a: Tensor, b: Tensor, batch: readonly number[], transA = false, transB = false): Tensor {
  const dtype = promote(a.dtype, b.dtype);
  if (dtype === 'int32' && (transA || transB)) throw new Error('matmul: transposed operands need float data (the backward\'s)');
  const A = castData(a, dtype).data;
  const B = castData(b, dtype).data;
  const [M, K] = transA ? [a.shape[a.ndim - 1], a.shape[a.ndim - 2]] : [a.shape[a.ndim - 2], a.shape[a.ndim - 1]];
  const N = transB ? b.shape[b.ndim - 2] : b.shape[b.ndim - 1];
  const sa = broadcastStrides(a.shape.slice(0, -2), batch);
  const sb = broadcastStrides(b.shape.slice(0, -2), batch);
  const out = allocArray(dtype, numel(batch) * M * N);
  for (let q = 0; q < numel(batch); q++) {
    let ia = 0;
    let ib = 0;
    for (let d = batch.length - 1, r = q; d >= 0; d--) {
      const i = r % batch[d];
      r = Math.floor(r / batch[d]);
      ia += i * sa[d];
      ib += i * sb[d];
    }
    if (dtype === 'int32') {
      const outQ = out.subarray(q * M * N, (q + 1) * M * N);
      matmulKernel(outQ, A.subarray(ia * M * K, (ia + 1) * M * K), B.subarray(ib * K * N, (ib + 1) * K * N), M, K, N, 0, M);
      continue;
    }
    // float: the engine's GEMM (backend/dispatch/gemm.ts: WebAssembly SIMD over the worker pool where it applies),
    // summing in the operands' type as PyTorch's BLAS does
    gemm({
      M, N, K, a: A as FloatArray, aOffset: ia * M * K, lda: transA ? M : K, transA, b: B as FloatArray, bOffset: ib * K * N,
      ldb: transB ? K : N, transB, c: out as FloatArray, cOffset: q * M * N, ldc: N, accumulate: false,
    });
  }
  return new Tensor(out, [...batch, M, N]);
}

/** The recorded product for ndim >= 2 operands; its backward reads b and a transposed in place (backward runs under noGrad). */
function product(a: Tensor, b: Tensor, batch: readonly number[]): Tensor {
  const y = batchedProduct(a, b, batch);
  return record('matmul', [a, b], y, (gy, needs) => [
    needs[0] ? sumTo(batchedProduct(gy, b, batch, false, true), a.shape) : null, // gy·Bᵀ
    needs[1] ? sumTo(batchedProduct(a, gy, batch, true, false), b.shape) : null, // Aᵀ·gy
  ]);
}

export function matmul(a: Tensor, b: Tensor): Tensor {
  const shapes = { a: a.shape, b: b.shape };
  if (a.ndim === 0 || b.ndim === 0) throw new ShapeError('matmul', 'both operands must be at least 1-D', shapes);
  const K = a.shape[a.ndim - 1];
  const Kb = b.shape[b.ndim === 1 ? 0 : b.ndim - 2];
  if (K !== Kb) throw new ShapeError('matmul', `inner dimensions must match (${K} vs ${Kb})`, shapes);
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  const batch = broadcastAll([aBatch, bBatch]);
  if (!batch) {
    throw new ShapeError('matmul', `batch dimensions ${fmtShape(aBatch)} and ${fmtShape(bBatch)} cannot broadcast`, shapes);
  }
  const a2 = a.ndim === 1 ? reshape(a, [1, K]) : a;
  const b2 = b.ndim === 1 ? reshape(b, [K, 1]) : b;
  const y = product(a2, b2, batch);
  if (a.ndim > 1 && b.ndim > 1) return y;
  const M = a.ndim === 1 ? [] : [a.shape[a.ndim - 2]];
  const N = b.ndim === 1 ? [] : [b.shape[b.ndim - 1]];
  return reshape(y, [...batch, ...M, ...N]);
}
