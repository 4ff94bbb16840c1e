/**
 * The pooled part of the wasm depth-wise weight gradient (registered as 'depthwise.weight.wasm' in ../kernels.ts):
 * whole channels [lo, hi) per call, each summed over every sample n inside, so a channel's result never depends on
 * the split. Per channel: zero the float64 sums, then for every n pad x[n, c] into this thread's scratch and add
 * gy[n, c] · (padded x) into the sums of every tap, MAX_GROUP taps per pass (depthwise-weight-module.ts).
 *
 * Args (numbers; byte addresses into the shared heap):
 *   [gy, x, gw, N, C, H, W, oH, oW, T, offs, top, left, Hp, Wp, R]
 * offs: T i32 byte offsets of the taps in the padded plane; Hp×Wp: the padded plane; R: rows per float32 partial.
 */
import type { ThreadContext } from '../parallel/thread-context.js';
import { wasmApi } from './api.js';
import { ACC_BYTES_PER_TAP, depthwiseWeightModuleBytes } from './modules/depthwise-weight-module.js';

interface Exports {
  pad(src: number, H: number, W: number, dst: number, Hp: number, Wp: number, top: number, left: number): void;
  sums(gy: number, xp: number, oH: number, oW: number, Wp: number, acc: number, R: number): void;
}

/**
 * Modules are generated per geometry (the tap offsets are constants in the code): compiled once per thread and
 * offsets, instantiated once per ThreadContext (i.e. per heap memory). A training run meets a few dozen geometries;
 * the caches are cleared if some caller cycles through many more.
 */
const MAX_CACHED = 256;
const compiled = new Map<string, object>();
const instances = new WeakMap<ThreadContext, Map<string, Exports>>();

function exportsFor(ctx: ThreadContext, offs: Int32Array): Exports {
  const key = offs.join(',');
  let mine = instances.get(ctx);
  if (!mine) instances.set(ctx, (mine = new Map()));
  let e = mine.get(key);
  if (e) return e;
  if (!wasmApi) throw new Error('wasm: this runtime has no WebAssembly');
  if (compiled.size >= MAX_CACHED) compiled.clear();
  if (mine.size >= MAX_CACHED) mine.clear();
  let module = compiled.get(key);
  if (!module) compiled.set(key, (module = new wasmApi.Module(depthwiseWeightModuleBytes([...offs]))));
  e = new wasmApi.Instance(module, { env: { memory: ctx.heap.memory } }).exports as unknown as Exports;
  mine.set(key, e);
  return e;
}

/** Bytes of scratch a thread needs: the padded plane, then T float64 sum slots (8-byte aligned). */
export function weightScratchBytes(Hp: number, Wp: number, T: number): number {
  return Math.ceil((Hp * Wp * 4) / 64) * 64 + T * ACC_BYTES_PER_TAP;
}

export function depthwiseWeightChannels(ctx: ThreadContext, g: Float64Array, lo: number, hi: number): void {
  const [gy, x, gw, N, C, H, W, oH, oW, T, offs, top, left, Hp, Wp, R, scratch, scratchStride] = g;
  const { pad, sums } = exportsFor(ctx, new Int32Array(ctx.heap.memory.buffer, offs, T));
  const xp = scratch + ctx.slot * scratchStride, acc = xp + Math.ceil((Hp * Wp * 4) / 64) * 64;
  const f64 = ctx.heap.f64, f32 = ctx.heap.f32;
  for (let c = lo; c < hi; c++) {
    f64.fill(0, acc / 8, acc / 8 + (T * ACC_BYTES_PER_TAP) / 8);
    for (let n = 0; n < N; n++) {
      const q = n * C + c;
      pad(x + 4 * q * H * W, H, W, xp, Hp, Wp, top, left);
      sums(gy + 4 * q * oH * oW, xp, oH, oW, Wp, acc, R);
    }
    for (let t = 0; t < T; t++) {
      const a = (acc + ACC_BYTES_PER_TAP * t) / 8;
      f32[gw / 4 + c * T + t] = f64[a] + f64[a + 1] + (f64[a + 2] + f64[a + 3]) + f64[a + 4];
    }
  }
}
