/**
 * Which wasm plane kernel a depth-wise gather task runs (the pooled 'depthwise.wasm', pooled-kernels.ts): the module
 * generated for the task's tap offsets (modules/depthwise-module.ts; offsets as immediates, weights in locals) when
 * it has at most MAX_SPECIALIZED_TAPS taps, else the generic one that reads its tap table. Both give the same bits.
 */
import type { DepthwiseExports, ThreadContext } from '../parallel/thread-context.js';
import { MAX_SPECIALIZED_TAPS, depthwiseModuleBytes } from './modules/depthwise-module.js';
import { geometryExports } from './geometry-modules.js';

/** The plane function for the T tap offsets at byte address `taps` of the heap. */
export function depthwisePlane(ctx: ThreadContext, taps: number, T: number): DepthwiseExports['plane'] {
  if (T > MAX_SPECIALIZED_TAPS) return ctx.wasmDepthwise.plane;
  const offs = new Int32Array(ctx.heap.memory.buffer, taps, T);
  return geometryExports<DepthwiseExports>(ctx, `depthwise:${offs.join(',')}`, () => depthwiseModuleBytes([...offs])).plane;
}
