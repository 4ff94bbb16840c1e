/**
 * im2col's inner loops (kernels/conv2d-gemm.ts TapCopy) on the wasm gatherRows kernel of a thread
 * (wasm/modules/elementwise-module.ts): for col and x in the shared heap, byte addresses colAt and xAt of their
 * element 0. Used by the pooled 'im2col.wasm' (each thread its own context) and by the one-thread forward.
 */
import type { TapCopy } from '../../kernels/conv2d-gemm.js';
import type { ThreadContext } from '../parallel/thread-context.js';

export function wasmTapCopy(ctx: ThreadContext, colAt: number, xAt: number, oW: number): TapCopy {
  const gather = ctx.wasmElementwise.gatherRows;
  return (c, s, rows, cols, rowStride, step) => gather(xAt + 4 * s, colAt + 4 * c, rows, cols, 4 * rowStride, 4 * step, 4 * oW);
}
