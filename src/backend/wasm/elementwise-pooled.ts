/**
 * Pooled kernels over wasm/elementwise-module.ts (listed in pooled-kernels.ts; driven by arith.ts, batchnorm.ts, bilinear.ts). Arguments
 * are byte addresses of float32 arrays in the shared heap; [lo, hi) are elements of the output (arith, addN) or
 * (n, c) planes (bn). Every output element is computed by the same operations whatever the chunk.
 */
import type { PoolKernel } from '../pooled-kernels.js';
import { ARITH_OPS } from './modules/elementwise-module.js';
import type { ConvGeom } from '../../kernels/conv2d-common.js';
import { type TapCopy, im2col } from '../../kernels/conv2d-gemm.js';
import type { ThreadContext } from '../parallel/thread-context.js';
import { ints } from '../parallel/int-args.js';

/**
 * arith args: [op (index in ARITH_OPS), a, b, out, nd, shape[nd], sa[nd], sb[nd]]: a collapsed broadcast
 * (kernels/broadcast-arith.ts) whose innermost dim has strides ia, ib ∈ {0, 1}, not both 0. Rows of the inner
 * dim run as one wasm call each (vv, or vs / sv with the constant operand passed as a value).
 */
const arithWasmKernel: PoolKernel = {
  name: 'arith.wasm',
  run(ctx, g, lo, hi) {
    const op = ARITH_OPS[g[0]], a = g[1], b = g[2], out = g[3], nd = g[4];
    const shape = g.subarray(5, 5 + nd), sa = g.subarray(5 + nd, 5 + 2 * nd), sb = g.subarray(5 + 2 * nd, 5 + 3 * nd);
    const inner = shape[nd - 1], ia = sa[nd - 1], ib = sb[nd - 1];
    const wasm = ctx.wasmElementwise, f32 = ctx.heap.f32;
    const form = ia === 1 && ib === 1 ? 'vv' : ia === 1 ? 'vs' : 'sv';
    const fn = wasm[`${op}_${form}`];
    // outer index of row r = ⌊lo / inner⌋, and the operands' offsets there
    let r = Math.floor(lo / inner), j = lo - r * inner, pa = 0, pb = 0;
    const idx = new Array<number>(nd).fill(0);
    for (let d = nd - 2, rem = r; d >= 0; d--) {
      idx[d] = rem % shape[d];
      rem = Math.floor(rem / shape[d]);
      pa += idx[d] * sa[d];
      pb += idx[d] * sb[d];
    }
    for (let o = lo; o < hi; r++) {
      const len = Math.min(inner - j, hi - o);
      const A = a + 4 * (pa + j * ia), B = b + 4 * (pb + j * ib), O = out + 4 * o;
      if (form === 'vv') fn(A, B, O, len);
      else if (form === 'vs') fn(A, f32[B / 4], O, len);
      else fn(f32[A / 4], B, O, len);
      o += len;
      j = 0;
      for (let d = nd - 2; d >= 0; d--) {
        idx[d]++;
        pa += sa[d];
        pb += sb[d];
        if (idx[d] < shape[d]) break;
        pa -= sa[d] * shape[d];
        pb -= sb[d] * shape[d];
        idx[d] = 0;
      }
    }
  },
};

/** out = x_0 + x_1 + … + x_{k−1} on elements [lo, hi): the input addresses, moved to lo, go to this thread's scratch as i32s. */
function addNRange(ctx: ThreadContext, k: number, out: number, input: (j: number) => number, lo: number, hi: number): void {
  const list = ctx.scratch, addrs = new Int32Array(ctx.heap.f32.buffer, list, k);
  for (let j = 0; j < k; j++) addrs[j] = input(j) + 4 * lo;
  ctx.wasmElementwise.addN(list, k, out + 4 * lo, hi - lo);
}

/** addN args: [k ≥ 2, out, x_0 … x_{k−1}]. */
const addNWasmKernel: PoolKernel = {
  name: 'addN.wasm',
  run(ctx, g, lo, hi) {
    addNRange(ctx, g[0], g[1], (j) => g[2 + j], lo, hi);
  },
};

/** addN over a list: args [k, out, list] with the k input addresses as i32s at byte address `list` (any k). */
const addListWasmKernel: PoolKernel = {
  name: 'addList.wasm',
  run(ctx, g, lo, hi) {
    const list = new Int32Array(ctx.heap.f32.buffer, g[2], g[0]);
    addNRange(ctx, g[0], g[1], (j) => list[j], lo, hi);
  },
};

/**
 * A pooled kernel streaming float32 arrays through one generated function f(addresses…, n): args are the arrays'
 * byte addresses (inputs, then the output), each moved to element lo; [lo, hi) are elements.
 */
export function streamingKernel(name: string, arrays: number, fn: (ctx: ThreadContext) => (...args: number[]) => void): PoolKernel {
  return {
    name,
    run(ctx, g, lo, hi) {
      const args: number[] = [];
      for (let k = 0; k < arrays; k++) args.push(g[k] + 4 * lo);
      fn(ctx)(...args, hi - lo);
    },
  };
}

/** ReLU: args [x, out]; its backward: [gy, y, gx]. */
const reluWasmKernel = streamingKernel('relu.wasm', 2, (ctx) => ctx.wasmElementwise.relu);
const reluBackwardWasmKernel = streamingKernel('reluBackward.wasm', 3, (ctx) => ctx.wasmElementwise.reluBackward);

/** where: args [c, a, b, out] (c int32 or float32: two kernels). */
const whereIWasmKernel = streamingKernel('whereI.wasm', 4, (ctx) => ctx.wasmElementwise.whereI);
const whereFWasmKernel = streamingKernel('whereF.wasm', 4, (ctx) => ctx.wasmElementwise.whereF);

/** BatchNorm apply args: [x, y, coef, C, HW]; coef: f64 α[C] then β[C]; plane p has channel p mod C. */
const bnApplyWasmKernel: PoolKernel = {
  name: 'bn.apply.wasm',
  run(ctx, g, lo, hi) {
    const [x, y, coef, C, HW] = g;
    const f64 = ctx.heap.f64, apply = ctx.wasmElementwise.bnApply;
    for (let p = lo; p < hi; p++) {
      const c = p % C;
      apply(x + 4 * p * HW, y + 4 * p * HW, HW, f64[coef / 8 + c], f64[coef / 8 + C + c]);
    }
  },
};

/** Bilinear resize args: [x, y, H, W, oH, oW, tw, th] (tw, th: axis tables, see bilinearPlane); [lo, hi) are planes. */
const bilinearWasmKernel: PoolKernel = {
  name: 'bilinear.wasm',
  run(ctx, g, lo, hi) {
    const [x, y, H, W, oH, oW, tw, th] = g;
    const plane = ctx.wasmElementwise.bilinearPlane;
    for (let p = lo; p < hi; p++) plane(x + 4 * p * H * W, y + 4 * p * oH * oW, W, oH, oW, tw, th, ctx.scratch);
  },
};

/** Bilinear backward args: [gy, gx, H, W, oH, oW, tw, th]; [lo, hi) are planes (gx planes overwritten). */
const bilinearBackwardWasmKernel: PoolKernel = {
  name: 'bilinearBackward.wasm',
  run(ctx, g, lo, hi) {
    const [gy, gx, H, W, oH, oW, tw, th] = g;
    const plane = ctx.wasmElementwise.bilinearBackwardPlane;
    for (let p = lo; p < hi; p++) plane(gy + 4 * p * oH * oW, gx + 4 * p * H * W, H, W, oH, oW, tw, th);
  },
};

/** BatchNorm statistics args: [x, N, C, HW, sums]; channel c writes sums[2c] = Σd, sums[2c + 1] = Σd² (f64), d = x − x[c·HW]. */
const bnStatsWasmKernel: PoolKernel = {
  name: 'bn.stats.wasm',
  run(ctx, g, lo, hi) {
    const [x, N, C, HW, sums] = g;
    const f32 = ctx.heap.f32, stats = ctx.wasmElementwise.bnStats;
    for (let c = lo; c < hi; c++) stats(x + 4 * c * HW, N, 4 * C * HW, HW, f32[x / 4 + c * HW], sums + 16 * c);
  },
};

/** Channel-sum args: [gy, N, C, plane, sums]: sums[c] (f64) = Σ_{n,i} gy[n, c, i] for channels [lo, hi) (channel-sum.ts). */
const channelSumWasmKernel: PoolKernel = {
  name: 'channelSum.wasm',
  run(ctx, g, lo, hi) {
    const [gy, N, C, plane, sums] = g;
    const sum = ctx.wasmElementwise.channelSum;
    for (let c = lo; c < hi; c++) sum(gy + 4 * c * plane, N, 4 * C * plane, plane, 0, sums + 8 * c);
  },
};

/**
 * BatchNorm backward args: [gy, x, gx (0: not needed), coef, N, C, HW, training, sums]; coef: f64 mean[C], invstd[C],
 * w[C] (1 without weight). Channel c writes sums[2c] = Σgy, sums[2c + 1] = Σgy·(x − μ) and its planes of gx, with
 * the js kernel's scalars: ḡ = Σgy/n, k = Σgy·(x − μ)·σ⁻¹·σ⁻¹/n, s = σ⁻¹·w (eval: gx = gy·s, as y·s + (−0)).
 */
const bnBackwardWasmKernel: PoolKernel = {
  name: 'bn.backward.wasm',
  run(ctx, g, lo, hi) {
    const [gy, x, gx, coef, N, C, HW, training, sums] = g;
    const f64 = ctx.heap.f64, wasm = ctx.wasmElementwise, n = N * HW, at = coef / 8;
    for (let c = lo; c < hi; c++) {
      const m = f64[at + c], is = f64[at + C + c], out = sums + 16 * c;
      wasm.bnGradSums(gy + 4 * c * HW, x + 4 * c * HW, N, 4 * C * HW, HW, m, out);
      if (!gx) continue;
      const sumGy = f64[out / 8], dot = f64[out / 8 + 1], scale = is * f64[at + 2 * C + c];
      const meanGy = sumGy / n, k = (dot * is * is) / n;
      for (let b = 0; b < N; b++) {
        const off = 4 * (b * C + c) * HW;
        if (training) wasm.bnGradTrain(gy + off, x + off, gx + off, HW, m, meanGy, k, scale);
        else wasm.bnApply(gy + off, gx + off, HW, scale, -0);
      }
    }
  },
};

/**
 * Row dot products args: [g, x, inner, sums]; row r writes sums[2r + 1] = Σ g·x over its `inner` elements (double,
 * four partial sums as mulSumTo's; through bnGradSums with μ = 0: x − 0 = x), sums[2r] = Σ g (unused).
 */
const rowDotsWasmKernel: PoolKernel = {
  name: 'rowDots.wasm',
  run(ctx, g, lo, hi) {
    const [gy, x, inner, sums] = g;
    const sumsOf = ctx.wasmElementwise.bnGradSums;
    for (let r = lo; r < hi; r++) sumsOf(gy + 4 * r * inner, x + 4 * r * inner, 1, 0, inner, 0, sums + 16 * r);
  },
};

/**
 * Column dot products args: [g, x, out, M, K, inner]: out[m, j] = Σ_k g[m, k, j]·x[m, k, j] (colDots); [lo, hi) are
 * elements of out [M, inner].
 */
const colDotsWasmKernel: PoolKernel = {
  name: 'colDots.wasm',
  run(ctx, a, lo, hi) {
    const [g, x, out, , K, inner] = a;
    const colDots = ctx.wasmElementwise.colDots;
    for (let o = lo; o < hi; ) {
      const m = Math.floor(o / inner), j = o - m * inner, len = Math.min(inner - j, hi - o);
      const at = 4 * (m * K * inner + j);
      colDots(g + at, x + at, out + 4 * o, K, 4 * inner, len, ctx.scratch);
      o += len;
    }
  },
};

/** im2col's inner loops on `ctx`'s gatherRows, for col and x in the heap at byte addresses colAt and xAt (im2col.ts too). */
export function wasmTapCopy(ctx: ThreadContext, colAt: number, xAt: number, oW: number): TapCopy {
  const gather = ctx.wasmElementwise.gatherRows;
  return (c, s, rows, cols, rowStride, step) => gather(xAt + 4 * s, colAt + 4 * c, rows, cols, 4 * rowStride, 4 * step, 4 * oW);
}

/**
 * im2col args: [4, col, x, n, N, Cin, H, W, kH, kW, oH, oW, sH, sW, pH, pW, dH, dW] (col: image n's Cin·kH·kW rows of
 * oH·oW, float32; driven by im2col.ts); [lo, hi) are input channels, each writing its own rows: im2col's own loops
 * over taps, each tap's rows by gatherRows.
 */
const im2colWasmKernel: PoolKernel = {
  name: 'im2col.wasm',
  run(ctx, args, lo, hi) {
    const [, col, x] = args, [n, N, Cin, H, W, kH, kW, oH, oW, sH, sW, pH, pW, dH, dW] = ints(args, 3, 15);
    const g: ConvGeom = { N, Cin, Cout: 1, groups: 1, H, W, kH, kW, oH, oW, pH, pW, dH, dW, sH, sW };
    const f32 = ctx.heap.f32;
    im2col(f32.subarray(col / 4, col / 4 + Cin * kH * kW * oH * oW), f32.subarray(x / 4, x / 4 + N * Cin * H * W), g, n, lo, hi,
      wasmTapCopy(ctx, col, x, oW));
  },
};

/** Adam step args: [p, g, m, v, vMax (0: none), stepSize, bc2Sqrt, decay, l2, 1 − β1, β2, 1 − β2, eps]; [lo, hi) are elements. */
const adamWasmKernel: PoolKernel = {
  name: 'adam.wasm',
  run(ctx, a, lo, hi) {
    const at = (addr: number) => (addr === 0 ? 0 : addr + 4 * lo);
    ctx.wasmElementwise.adamStep(at(a[0]), at(a[1]), at(a[2]), at(a[3]), at(a[4]), hi - lo, a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12]);
  },
};

export const elementwisePoolKernels: readonly PoolKernel[] = [adamWasmKernel, im2colWasmKernel, arithWasmKernel, addNWasmKernel, addListWasmKernel, reluWasmKernel, reluBackwardWasmKernel, whereIWasmKernel, whereFWasmKernel, bnApplyWasmKernel, bilinearWasmKernel,
  bilinearBackwardWasmKernel, bnStatsWasmKernel, bnBackwardWasmKernel, rowDotsWasmKernel, colDotsWasmKernel, channelSumWasmKernel];
