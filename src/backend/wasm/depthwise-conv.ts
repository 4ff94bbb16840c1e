/**
 * The three passes of a depth-wise conv (groups = Cin = Cout, stride 1) on the wasm backend, for the dispatcher in
 * src/backend/dispatch/conv2d.ts. Each `try…` returns false, doing nothing, when the wasm kernels do not apply
 * (float64 or a non-Float32Array operand, the js backend, a worker thread, stride ≠ 1; any plane size runs: each
 * thread's padding scratch is sized to the plane, see SharedHeap.scratchFor); the caller then runs the js kernel of
 * conv2d-depthwise.ts, the readable reference.
 *
 *   forward   y[i, j]  = b + Σ_t w_t · x[i + dy_t, j + dx_t]      dy_t = kh·dH − pH, dx_t = kw·dW − pW
 *   input     gx[i, j] =     Σ_t w_t · gy[i − dy_t, j − dx_t]     (the gather with the taps negated)
 *   weight    gw_t     = Σ_{n,i,j} gy[n, i, j] · x[n, i + dy_t, j + dx_t]
 * forward and input run the wasm gather (../depthwise.ts), over (n, c) planes; weight runs
 * depthwise-weight.ts, over channels. All sums are float32 (float64 across the partials of the weight gradient).
 */
import type { Buf, ConvGeom } from '../../kernels/conv2d-common.js';
import { useWasmFor } from '../where.js';
import { depthwiseGatherWasm } from './depthwise-gather.js';
import { depthwiseWeightGradWasm } from './depthwise-weight.js';

function applies(g: ConvGeom, out: Float32Array | Float64Array, ...inputs: (Buf | null)[]): boolean {
  return g.sH === 1 && g.sW === 1 && useWasmFor(out) && inputs.every((a) => a === null || a instanceof Float32Array);
}

/** Taps (dy_t, dx_t) in (kh, kw) order, times `sign`. */
function taps(g: ConvGeom, sign: 1 | -1): { dy: number[]; dx: number[] } {
  const dy: number[] = [], dx: number[] = [];
  for (let kh = 0; kh < g.kH; kh++) {
    for (let kw = 0; kw < g.kW; kw++) {
      dy.push(sign * (kh * g.dH - g.pH));
      dx.push(sign * (kw * g.dW - g.pW));
    }
  }
  return { dy, dx };
}

/** The forward, and with `gelu` y = gelu(conv(x)) (each plane through the wasm GELU kernel once it is done). */
export function tryDepthwiseForwardWasm(y: Float32Array | Float64Array, x: Buf, w: Buf, b: Buf | null, g: ConvGeom, gelu = false): boolean {
  if (!applies(g, y, x, w, b)) return false;
  const { dy, dx } = taps(g, 1);
  depthwiseGatherWasm({
    dst: y as Float32Array, src: x as Float32Array, w: w as Float32Array, bias: b as Float32Array | null, C: g.Cout,
    dy, dx, srcH: g.H, srcW: g.W, dstH: g.oH, dstW: g.oW, gelu,
  });
  return true;
}

export function tryDepthwiseInputGradWasm(gx: Float32Array | Float64Array, gy: Buf, w: Buf, g: ConvGeom): boolean {
  if (!applies(g, gx, gy, w)) return false;
  const { dy, dx } = taps(g, -1);
  depthwiseGatherWasm({
    dst: gx as Float32Array, src: gy as Float32Array, w: w as Float32Array, bias: null, C: g.Cin,
    dy, dx, srcH: g.oH, srcW: g.oW, dstH: g.H, dstW: g.W,
  });
  return true;
}

export function tryDepthwiseWeightGradWasm(gw: Float32Array | Float64Array, gy: Buf, x: Buf, g: ConvGeom): boolean {
  return applies(g, gw, gy, x) && depthwiseWeightGradWasm(gw as Float32Array, gy as Float32Array, x as Float32Array, g);
}
