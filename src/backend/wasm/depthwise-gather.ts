/**
 * Stride-1 depth-wise gather on the wasm backend (float32), the shared body of a depth-wise conv's forward and
 * input-gradient passes; it mirrors gatherPlanes in src/kernels/conv2d-depthwise.ts:
 *
 *   dst[q][i, j] = init_c + Σ_t w[c·T + t] · src[q][i + dy_t, j + dx_t]    planes q < P, c = q mod C,
 *   init_c = bias ? bias[c] : 0, src read as 0 outside its srcH×srcW plane, dst planes dstH×dstW;
 *   with `gelu`, then dst[q] = gelu(dst[q]) by the wasm GELU kernel on each plane as soon as it is done (while it is
 *   in cache), the same operations as a separate GELU pass.
 *
 * Forward: dy_t = kh·dH − pH, dx_t = kw·dW − pW, bias = the conv bias. Input gradient: the same taps negated,
 * bias null. The inputs are staged into the shared heap (unless already there; a piece of planes at a time, see
 * stage-pieces.ts), planes are split over the pool,
 * and each thread pads a plane into its scratch (heap.scratchFor: any plane size) before gathering (wasm/depthwise-module.ts). Sums are float32
 * (the js kernel sums in float64), in tap order.
 */
import type { FloatArray } from '../../tensor/dtype.js';
import { getHeap, getPool, getThreads } from '../runtime.js';
import { unitsPerPiece } from './stage-pieces.js';

export interface DepthwiseGather {
  dst: Float32Array;
  src: Float32Array;
  /** C×T weights, tap t of channel c at c·T + t */
  w: Float32Array;
  bias: Float32Array | null;
  C: number;
  dy: ArrayLike<number>;
  dx: ArrayLike<number>;
  srcH: number;
  srcW: number;
  dstH: number;
  dstW: number;
  /** apply the exact GELU to each finished plane (the wasm GELU kernel, so the bits of a separate pass) */
  gelu?: boolean;
}

/** Planes per chunk are chosen so a chunk is ~64k outputs. */
const CHUNK_OUTPUTS = 1 << 16;

export function depthwiseGatherWasm(g: DepthwiseGather): void {
  const T = g.dy.length, planes = g.dst.length / (g.dstH * g.dstW);
  if (planes === 0) return;
  let minDy = 0, maxDy = 0, minDx = 0, maxDx = 0;
  for (let t = 0; t < T; t++) {
    minDy = Math.min(minDy, g.dy[t]); maxDy = Math.max(maxDy, g.dy[t]);
    minDx = Math.min(minDx, g.dx[t]); maxDx = Math.max(maxDx, g.dx[t]);
  }
  // zero border: every tap of every output lands inside the padded plane
  const top = -minDy, left = -minDx;
  const Hp = Math.max(g.srcH, g.dstH + maxDy) + top, Wp = Math.max(g.srcW, g.dstW + maxDx) + left;
  const heap = getHeap();
  const srcPlane = g.srcH * g.srcW, dstPlane = g.dstH * g.dstW;
  const dstIn = heap.contains(g.dst), resident = dstIn && heap.contains(g.src);
  // planes staged at a time when src or dst is a plain array (wasm/stage-pieces.ts); planes are independent
  const piece = resident ? planes : unitsPerPiece(4 * Math.max(srcPlane, dstPlane));
  for (let q0 = 0; q0 < planes; q0 += piece) {
    const n = Math.min(piece, planes - q0);
    heap.resetStaging();
    const [scratch, scratchStride] = heap.scratchFor(Hp * Wp * 4, getPool().size); // each thread pads a plane there
    const src = heap.place(g.src, q0 * srcPlane, n * srcPlane), w = heap.place(g.w), bias = g.bias ? heap.place(g.bias) : 0;
    const dst = dstIn ? g.dst.byteOffset + 4 * q0 * dstPlane : heap.stage(4 * n * dstPlane);
    const taps = heap.stage(4 * T);
    const tapView = new Int32Array(heap.memory.buffer, taps, T);
    for (let t = 0; t < T; t++) tapView[t] = ((g.dy[t] + top) * Wp + g.dx[t] + left) * 4;
    const chunks = Math.max(1, Math.ceil((n * dstPlane) / CHUNK_OUTPUTS));
    // q0: the first plane's index in the whole array, so that its channel is (q0 + q) mod C
    const args = [src, dst, w, bias, g.C, T, taps, g.srcH, g.srcW, g.dstH, g.dstW, top, left, Hp, Wp, scratch, scratchStride, g.gelu ? 1 : 0, q0];
    getPool().run('depthwise.wasm', args, n, { threads: Math.min(getThreads(), chunks), chunks });
    if (!dstIn) g.dst.set(heap.f32.subarray(dst / 4, dst / 4 + n * dstPlane), q0 * dstPlane);
  }
}
