/**
 * Kernels the worker pool can run, by name: runtime.ts hands this list to the pool, and every worker imports it
 * (parallel/worker-loop.ts), so a kernel is the same code on every thread. A pooled kernel receives only numbers:
 * `args` (byte addresses into the shared heap, sizes, flags) and its part [lo, hi) of the work range, whose
 * outputs must not overlap any other part's.
 *
 * To add one: write `{ name, run(ctx, args, lo, hi) }` next to the others (reading arrays through ctx.heap.f32 /
 * ctx.heap.f64 at address / 4 or / 8) and append it to `poolKernels`.
 */
import type { PoolKernel } from './parallel/pool.js';
import { gemmJs } from '../kernels/gemm.js';
import { KC, type WasmGemmProblem, gemmWasmBlock, packFull } from './wasm/gemm-driver.js';
import { depthwiseWeightChannels } from './wasm/depthwise-weight-kernel.js';
import { jsPoolKernels } from './parallel/js-kernels.js';
import { elementwisePoolKernels, streamingKernel } from './wasm/elementwise-pooled.js';

export type { PoolKernel };

/**
 * GEMM args: [M, N, K, a, lda, transA, b, ldb, transB, c, ldc, accumulate, splitColumns, bytesPerElement,
 * packedA, packedB, rowBias] (a, b, c byte addresses of element 0; packedA/packedB: wasm only, address of the
 * operand packed in full by 'gemm.wasm.pack', or 0; rowBias: address of a bias per row of C added to the finished
 * product, or 0). [lo, hi) are rows of C, or columns when splitColumns = 1.
 */
export const GEMM_ARGS = 17;

function wasmProblem(g: Float64Array): WasmGemmProblem {
  return {
    M: g[0], N: g[1], K: g[2], a: g[3], lda: g[4], transA: g[5] === 1, b: g[6], ldb: g[7], transB: g[8] === 1,
    c: g[9], ldc: g[10], accumulate: g[11] === 1, packedA: g[14], packedB: g[15], bias: g[16],
  };
}

const gemmJsKernel: PoolKernel = {
  name: 'gemm.js',
  run(ctx, g, lo, hi) {
    const f64 = g[13] === 8, view = f64 ? ctx.heap.f64 : ctx.heap.f32, size = f64 ? 8 : 4;
    const p = {
      M: g[0], N: g[1], K: g[2],
      a: view, aOffset: g[3] / size, lda: g[4], transA: g[5] === 1,
      b: view, bOffset: g[6] / size, ldb: g[7], transB: g[8] === 1,
      c: view, cOffset: g[9] / size, ldc: g[10], accumulate: g[11] === 1,
      rowBias: g[16] ? view : undefined, rowBiasOffset: g[16] / size,
    };
    if (g[12] === 1) gemmJs(p, 0, p.M, lo, hi);
    else gemmJs(p, lo, hi, 0, p.N);
  },
};

const gemmWasmKernel: PoolKernel = {
  name: 'gemm.wasm',
  run(ctx, g, lo, hi) {
    const p = wasmProblem(g);
    if (g[12] === 1) gemmWasmBlock(ctx.wasmGemm, ctx.gemmShape, p, ctx.scratch, 0, p.M, lo, hi);
    else gemmWasmBlock(ctx.wasmGemm, ctx.gemmShape, p, ctx.scratch, lo, hi, 0, p.N);
  },
};

/**
 * Split-K products (dispatch/gemm.ts): args as 'gemm.wasm' with args[17] the byte address of the slice products;
 * [lo, hi) are K slices of KC. Slice s writes its product op(A)[:, ks]·op(B)[ks, :] (ks = [s·KC, s·KC + KC) ∩ [0, K))
 * to slices + 4·s·M·N, an M×N matrix with rows of N: the very tile sums the blocked driver adds into C slice by slice.
 */
const gemmWasmSlicesKernel: PoolKernel = {
  name: 'gemm.wasm.slices',
  run(ctx, g, lo, hi) {
    const p = wasmProblem(g), slices = g[17];
    const aK = p.transA ? p.lda : 1, bK = p.transB ? 1 : p.ldb; // strides of op(A), op(B) along k
    for (let s = lo; s < hi; s++) {
      const pc = s * KC;
      gemmWasmBlock(ctx.wasmGemm, ctx.gemmShape, {
        ...p, K: Math.min(KC, p.K - pc), a: p.a + 4 * pc * aK, b: p.b + 4 * pc * bK,
        c: slices + 4 * s * p.M * p.N, ldc: p.N, accumulate: false, packedA: 0, packedB: 0, bias: 0,
      }, ctx.scratch);
    }
  },
};

/** Packs lanes [lo, hi) of the operand that has a packed address (A's rows or B's columns) in full. */
const gemmWasmPackKernel: PoolKernel = {
  name: 'gemm.wasm.pack',
  run(ctx, g, lo, hi) {
    const p = wasmProblem(g);
    if (p.packedA) packFull(ctx.wasmGemm, ctx.gemmShape, p, 'A', p.packedA, lo, hi);
    else packFull(ctx.wasmGemm, ctx.gemmShape, p, 'B', p.packedB, lo, hi);
  },
};

/** GELU: args [x, y] byte addresses of float32 arrays; its backward: [gy, x, gx]. [lo, hi) are elements. */
const geluWasmKernel = streamingKernel('gelu.wasm', 2, (ctx) => ctx.wasmGelu.gelu);
const geluBackwardWasmKernel = streamingKernel('geluBackward.wasm', 3, (ctx) => ctx.wasmGelu.geluBackward);

/**
 * Depth-wise gather args: [src, dst, w, bias (0: none), C, T, taps, srcH, srcW, dstH, dstW, top, left, Hp, Wp,
 * scratch, scratchStride, gelu, q0] (this thread pads planes at scratch + slot·scratchStride, see
 * SharedHeap.scratchFor; gelu 1: each finished plane goes through the GELU kernel in place; q0: the index of src's
 * and dst's first plane in the whole tensor, for its channel) (byte addresses; see depthwise-gather.ts).
 * [lo, hi) are planes.
 */
const depthwiseWasmKernel: PoolKernel = {
  name: 'depthwise.wasm',
  run(ctx, g, lo, hi) {
    const [src, dst, w, bias, C, T, taps, srcH, srcW, dstH, dstW, top, left, Hp, Wp, scratchBase, scratchStride, gelu, q0] = g;
    const f32 = ctx.heap.f32, plane = ctx.wasmDepthwise.plane, scratch = scratchBase + ctx.slot * scratchStride;
    const geluPlane = gelu === 1 ? ctx.wasmGelu.gelu : null;
    for (let q = lo; q < hi; q++) {
      const c = (q0 + q) % C, out = dst + 4 * q * dstH * dstW;
      plane(src + 4 * q * srcH * srcW, srcH, srcW, out, dstH, dstW,
        scratch, top, left, Hp, Wp, taps, w + 4 * c * T, T, bias ? f32[bias / 4 + c] : 0);
      if (geluPlane) geluPlane(out, out, dstH * dstW);
    }
  },
};

/** Depth-wise weight gradient args: see wasm/depthwise-weight-kernel.ts. [lo, hi) are channels. */
const depthwiseWeightWasmKernel: PoolKernel = { name: 'depthwise.weight.wasm', run: depthwiseWeightChannels };

/** Does nothing: for measuring the pool's round trip. */
const noopKernel: PoolKernel = { name: 'noop', run() {} };

export const poolKernels: readonly PoolKernel[] = [gemmJsKernel, gemmWasmKernel, gemmWasmPackKernel, geluWasmKernel, geluBackwardWasmKernel,
  depthwiseWasmKernel, depthwiseWeightWasmKernel, noopKernel, gemmWasmSlicesKernel, ...jsPoolKernels, ...elementwisePoolKernels];
