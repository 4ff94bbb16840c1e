/**
 * depthwiseWeightGradWasm: the weight gradient of a stride-1 depth-wise conv on the wasm backend (float32),
 *   gw[c, t] = Σ_{n, i, j} gy[n, c, i, j] · x[n, c, i + dy_t, j + dx_t],   dy_t = kh·dH − pH, dx_t = kw·dW − pW,
 * the twin of conv2dBackwardWeightDepthwise (src/kernels/conv2d-depthwise.ts), which sums in float64 in
 * (n, i, j) order. Here each sum is float32 partials of at most ~64 products per lane (f32x4 over columns, a few
 * rows at a time) added into float64, so |gw − exact| ≤ (m + 2)·2⁻²⁴·Σ|gy·x| with m the products per partial,
 * plus the final rounding to float32. Channels are split over the pool, n is summed inside a channel: results are
 * bit-identical for any thread count.
 *
 * gy and x are staged into the shared heap unless they already live there (then a block of channels at a time,
 * see stage-pieces.ts); gw is copied back. Each thread pads
 * planes into scratch of the plane's size (SharedHeap.scratchFor), so any image size runs here. Returns true (the
 * boolean is kept for callers that fall back to the js kernel).
 */
import type { ConvGeom } from '../../kernels/conv2d-common.js';
import { getHeap, getPool, getThreads } from '../runtime.js';
import { weightScratchBytes } from './depthwise-weight-kernel.js';
import { unitsPerPiece } from './stage-pieces.js';

/** Multiply-adds per pooled chunk (a chunk is whole channels): ~50 µs of work. */
const CHUNK_MACS = 1 << 18;
/** Products per lane in one float32 partial, at most (unless one row alone has more). */
const PARTIAL_TERMS = 64;

export function depthwiseWeightGradWasm(gw: Float32Array, gy: Float32Array, x: Float32Array, g: ConvGeom): boolean {
  const { N, Cout: C, H, W, kH, kW, oH, oW } = g;
  const T = kH * kW;
  if (C === 0 || T === 0) return true;
  const dy: number[] = [], dx: number[] = [];
  for (let kh = 0; kh < kH; kh++) {
    for (let kw = 0; kw < kW; kw++) {
      dy.push(kh * g.dH - g.pH);
      dx.push(kw * g.dW - g.pW);
    }
  }
  // zero border so that every tap of every output is inside the padded plane
  const top = Math.max(0, -Math.min(...dy)), left = Math.max(0, -Math.min(...dx));
  const Hp = Math.max(H, oH + Math.max(0, ...dy)) + top, Wp = Math.max(W, oW + Math.max(0, ...dx)) + left;
  const heap = getHeap();
  if (N * oH * oW === 0) {
    gw.fill(0, 0, C * T);
    return true;
  }
  const R = Math.max(1, Math.floor(PARTIAL_TERMS / Math.ceil(oW / 4)));
  const inPlane = H * W, outPlane = oH * oW;
  const gwIn = heap.contains(gw), resident = heap.contains(gy) && heap.contains(x);
  // channels staged at a time when gy or x is a plain array (stage-pieces.ts): a [N, c1 − c0] block of each, so
  // the kernel sees C = c1 − c0 channels; a channel's sum runs over n inside the kernel either way (the same bits)
  const piece = resident ? C : unitsPerPiece(4 * N * Math.max(inPlane, outPlane));
  for (let c0 = 0; c0 < C; c0 += piece) {
    const c1 = Math.min(C, c0 + piece), Cp = c1 - c0;
    heap.resetStaging();
    const [scratch, scratchStride] = heap.scratchFor(weightScratchBytes(Hp, Wp, T), getPool().size);
    const gyAt = resident ? heap.place(gy, 0, N * C * outPlane) : stageChannels(gy, N, C, outPlane, c0, c1);
    const xAt = resident ? heap.place(x, 0, N * C * inPlane) : stageChannels(x, N, C, inPlane, c0, c1);
    const gwAt = gwIn ? gw.byteOffset + 4 * c0 * T : heap.stage(4 * Cp * T);
    const offs = heap.stage(4 * T);
    const offView = new Int32Array(heap.memory.buffer, offs, T);
    for (let t = 0; t < T; t++) offView[t] = 4 * ((dy[t] + top) * Wp + dx[t] + left);
    const macsPerChannel = N * outPlane * T;
    const chunks = Math.min(Cp, Math.max(1, Math.round((Cp * macsPerChannel) / CHUNK_MACS)));
    const args = [gyAt, xAt, gwAt, N, Cp, H, W, oH, oW, T, offs, top, left, Hp, Wp, R, scratch, scratchStride];
    getPool().run('depthwise.weight.wasm', args, Cp, { threads: Math.min(getThreads(), chunks), chunks });
    if (!gwIn) gw.set(heap.f32.subarray(gwAt / 4, gwAt / 4 + Cp * T), c0 * T);
  }
  return true;
}

/** Stage channels [c0, c1) of every sample of a [N, C, plane] array as a [N, c1 − c0, plane] block; its address. */
function stageChannels(a: Float32Array, N: number, C: number, plane: number, c0: number, c1: number): number {
  const heap = getHeap(), block = (c1 - c0) * plane, at = heap.stage(4 * N * block), f32 = heap.f32;
  for (let n = 0; n < N; n++) f32.set(a.subarray((n * C + c0) * plane, (n * C + c1) * plane), at / 4 + n * block);
  return at;
}
