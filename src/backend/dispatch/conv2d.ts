/**
 * Which implementation runs a 2-D convolution (the loops are in src/kernels/conv2d*.ts, the reference in
 * kernels/conv2d.ts). Every entry takes a (lo, hi) range over the reference's work units; the pool and the
 * WebAssembly kernels are only tried for a whole call ([0, total)) made on the main thread.
 *
 * conv2dForward / conv2dBackwardInput / conv2dBackwardWeight, by geometry:
 *   1x1 pointwise (isPointwise)    matrix products read in place (conv2d-gemm.ts) on `gemm` (dispatch/gemm.ts:
 *                                  float32 on the wasm GEMM over the pool, float64 or the js backend on the js GEMM)
 *   depth-wise (groups = Cin = Cout; the weight gradient only with stride 1)
 *     wasm, float32, stride 1      the generated WebAssembly SIMD gather over the pool (wasm/depthwise-conv.ts; it
 *                                  declines a padded plane larger than a thread's scratch); float32 sums, so it
 *                                  agrees with the loops to rounding
 *     otherwise, stride 1          the loops of conv2d-depthwise.ts split over the pool by (n, c) plane or channel
 *                                  (parallel/js-pooled.ts: same bits), when there are threads and work enough
 *     otherwise                    the loops of conv2d-depthwise.ts on this thread (strided: its row kernels)
 *   any other geometry             im2col + `gemm` (conv2d-gemm.ts); the forward on the wasm backend (float32, a
 *                                  whole call on the main thread) makes col in the shared heap, so the GEMM reads it
 *                                  in place instead of staging a copy, and im2col's tap rows are copied by a wasm
 *                                  kernel, over the pool by input channels with more than one thread (wasm/im2col.ts):
 *                                  the same values, the same bits; the weight gradient's col likewise; the input
 *                                  gradient (gx in the heap) puts its gcol in the heap and runs col2im over the pool
 *                                  by input channel (parallel/js-pooled.ts col2imPooled: each channel's own plane,
 *                                  the same loop, the same bits)
 *
 * conv2dForwardGelu (y = gelu(conv(x)), exact GELU; inference, see ops/conv2d.ts conv2dGelu):
 *   depth-wise, wasm, float32, stride 1   the gather above with each finished plane put through the wasm GELU
 *                                  kernel by the thread that made it, while it is in cache
 *   otherwise                      conv2dForward, then `gelu` in place (dispatch/activations.ts)
 *   Either way the bits of conv2dForward followed by `gelu`: the same kernels on the same values.
 *
 * channelSum (the bias gradient gb[c] = Σ_{n,i} gy[n,c,i]):
 *   float32, wasm backend, gy in the heap    the wasm twin (f64x2 partial sums in the loop's order) over the pool
 *                                            (wasm/channel-sum.ts), same bits
 *   gy in the shared heap, big      the js loop, channels split over the pool (same order per channel, same bits)
 *   otherwise                       the loop of kernels/channel-bias.ts
 */
import type { FloatArray } from '../../tensor/dtype.js';
import type { Buf, ConvGeom } from '../../kernels/conv2d-common.js';
import { channelSum as channelSumLoop } from '../../kernels/channel-bias.js';
import { isPointwise } from '../../kernels/conv2d-pointwise.js';
import {
  conv2dForwardDepthwise, conv2dBackwardInputDepthwise, conv2dBackwardWeightDepthwise, isDepthwise,
} from '../../kernels/conv2d-depthwise.js';
import {
  conv2dForwardPointwiseGemm, conv2dBackwardInputPointwiseGemm, conv2dBackwardWeightPointwiseGemm,
  conv2dForwardIm2col, conv2dBackwardInputIm2col, conv2dBackwardWeightIm2col, type ImageCols, col2im,
} from '../../kernels/conv2d-gemm.js';
import { gemm } from './gemm.js';
import { tryDepthwiseForwardWasm, tryDepthwiseInputGradWasm, tryDepthwiseWeightGradWasm } from '../wasm/depthwise-conv.js';
import { channelSumPooled, col2imPooled, runDepthwiseJs, withHeapArray } from '../parallel/js-pooled.js';
import { useWasmFor } from '../where.js';
import { getHeap } from '../runtime.js';
import { channelSumWasm } from '../wasm/channel-sum.js';
import { im2colHere, im2colPooled } from '../wasm/im2col.js';
import { gelu } from './activations.js';

export function conv2dForward(y: FloatArray, x: Buf, w: Buf, b: Buf | null, g: ConvGeom, lo = 0, hi = g.N * g.Cout): void {
  if (isPointwise(g)) conv2dForwardPointwiseGemm(y, x, w, b, g, gemm, lo, hi);
  else if (isDepthwise(g)) {
    if (!(lo === 0 && hi === g.N * g.Cout && tryDepthwiseForwardWasm(y, x, w, b, g))) depthwiseForwardJs(y, x, w, b, g, lo, hi);
  }
  else im2colForward(y, x, w, b, g, lo, hi);
}

function im2colForward(y: FloatArray, x: Buf, w: Buf, b: Buf | null, g: ConvGeom, lo: number, hi: number): void {
  if (!(lo === 0 && hi === g.N * g.Cout && useWasmFor(y) && x instanceof Float32Array)) conv2dForwardIm2col(y, x, w, b, g, gemm, lo, hi);
  else withWasmCols(x, g, (cols) => conv2dForwardIm2col(y, x, w, b, g, gemm, lo, hi, cols));
}

function im2colWeightGrad(gw: FloatArray, gy: Buf, x: Buf, g: ConvGeom, lo: number, hi: number): void {
  if (!(lo === 0 && hi === g.Cout && useWasmFor(gw) && x instanceof Float32Array)) conv2dBackwardWeightIm2col(gw, gy, x, g, gemm, lo, hi);
  else withWasmCols(x, g, (cols) => conv2dBackwardWeightIm2col(gw, gy, x, g, gemm, lo, hi, cols));
}

function im2colInputGrad(gx: FloatArray, gy: Buf, w: Buf, g: ConvGeom, lo: number, hi: number): void {
  if (!(lo === 0 && hi === g.N * g.Cin && useWasmFor(gx) && getHeap().contains(gx))) {
    conv2dBackwardInputIm2col(gx, gy, w, g, gemm, lo, hi);
    return;
  }
  const scatter = (gxs: FloatArray, gcol: FloatArray, n: number, ci0: number, ci1: number, ciBase: number): void => {
    if (!col2imPooled(gxs, gcol, g, n, ci0, ci1, ciBase)) col2im(gxs, gcol, g, n, ci0, ci1, ciBase);
  };
  const rows = (g.Cin / g.groups) * g.kH * g.kW;
  withHeapArray(rows * g.oH * g.oW, (gcol) => conv2dBackwardInputIm2col(gx, gy, w, g, gemm, lo, hi, { gcol, scatter }));
}

/** An image's col in the shared heap (the GEMM reads it in place), made by the wasm im2col (over the pool when it can). */
function withWasmCols(x: Float32Array, g: ConvGeom, f: (cols: ImageCols) => void): void {
  const fill = (col: FloatArray, n: number): void => {
    // col: withHeapArray's float32 view
    if (!im2colPooled(col as Float32Array, x, g, n)) im2colHere(col as Float32Array, x, g, n);
  };
  withHeapArray(g.Cin * g.kH * g.kW * g.oH * g.oW, (col) => f({ col, fill }));
}

export function conv2dBackwardInput(gx: FloatArray, gy: Buf, w: Buf, g: ConvGeom, lo = 0, hi = g.N * g.Cin): void {
  if (isPointwise(g)) conv2dBackwardInputPointwiseGemm(gx, gy, w, g, gemm, lo, hi);
  else if (isDepthwise(g)) {
    if (!(lo === 0 && hi === g.N * g.Cin && tryDepthwiseInputGradWasm(gx, gy, w, g))) depthwiseInputGradJs(gx, gy, w, g, lo, hi);
  }
  else im2colInputGrad(gx, gy, w, g, lo, hi);
}

export function conv2dBackwardWeight(gw: FloatArray, gy: Buf, x: Buf, g: ConvGeom, lo = 0, hi = g.Cout): void {
  if (isPointwise(g)) conv2dBackwardWeightPointwiseGemm(gw, gy, x, g, gemm, lo, hi);
  else if (isDepthwise(g) && g.sH === 1 && g.sW === 1) {
    if (!(lo === 0 && hi === g.Cout && tryDepthwiseWeightGradWasm(gw, gy, x, g))) depthwiseWeightGradJs(gw, gy, x, g, lo, hi);
  }
  else im2colWeightGrad(gw, gy, x, g, lo, hi);
}

export function conv2dForwardGelu(y: FloatArray, x: Buf, w: Buf, b: Buf | null, g: ConvGeom): void {
  if (isDepthwise(g) && tryDepthwiseForwardWasm(y, x, w, b, g, true)) return;
  conv2dForward(y, x, w, b, g);
  gelu(y, y);
}

/* The js depth-wise passes: the pool for a whole stride-1 call when worth it, else the loops here. */

export function depthwiseForwardJs(y: FloatArray, x: Buf, w: Buf, b: Buf | null, g: ConvGeom, lo = 0, hi = g.N * g.Cout): void {
  if (!(lo === 0 && hi === g.N * g.Cout && runDepthwiseJs('forward', y, x, w, b, g))) conv2dForwardDepthwise(y, x, w, b, g, lo, hi);
}

export function depthwiseInputGradJs(gx: FloatArray, gy: Buf, w: Buf, g: ConvGeom, lo = 0, hi = g.N * g.Cin): void {
  if (!(lo === 0 && hi === g.N * g.Cin && runDepthwiseJs('input', gx, gy, w, null, g))) conv2dBackwardInputDepthwise(gx, gy, w, g, lo, hi);
}

export function depthwiseWeightGradJs(gw: FloatArray, gy: Buf, x: Buf, g: ConvGeom, lo = 0, hi = g.Cout): void {
  if (!(lo === 0 && hi === g.Cout && runDepthwiseJs('weight', gw, gy, x, null, g))) conv2dBackwardWeightDepthwise(gw, gy, x, g, lo, hi);
}

export function channelSum(gb: FloatArray, gy: Buf, N: number, C: number, plane: number): void {
  if (channelSumWasm(gb, gy, N, C, plane)) return;
  if (!channelSumPooled(gb, gy as FloatArray, N, C, plane)) channelSumLoop(gb, gy, N, C, plane);
}
