/**
 * What this runtime's WebAssembly accepts, found by validating tiny modules built with our own emitter,
 * never assumed: SIMD128, relaxed SIMD (f32x4.relaxed_madd) and shared memories (threads; a browser page has
 * them only when cross-origin isolated, so a shared memory must also be constructible).
 *
 * Relaxed SIMD is opt-in with AMSUNET_RELAXED_SIMD=1 (Node 20 has it behind a V8 flag, which this module turns on
 * before any kernel is compiled); =0 refuses it where the runtime has it on. Where a runtime has it on by default
 * (Chromium), the kernels still do not use it unless asked, so a page and Node give the same bits. Why opt-in: relaxed_madd is one fused
 * multiply-add on x86 with FMA, where mul + add rounds twice. That is ~25-30% more GEMM throughput per core here,
 * but the float32 bits of training change, and after two AdamW steps one parameter of the PyTorch AdamW golden
 * (tests/models/amsunet-adamw.test.ts) moves past its bound (5.3e-5 against 3.9e-5), so the default stays the
 * plain SIMD128 kernels.
 */
import { encodeModule, type MemoryImport } from './emit/encoding.js';
import { platform } from '../../platform/index.js';
import { FunctionBuilder, drop, f32x4, v128 } from './emit/instructions.js';
import { wasmApi } from './api.js';

function validates(body: number[], sharedMemory = false): boolean {
  const f = new FunctionBuilder('probe', {}).build([body]);
  const memory = sharedMemory ? { module: 'env', field: 'memory', initialPages: 1, maximumPages: 1, shared: true } : null;
  try {
    return wasmApi !== null && wasmApi.validate(encodeModule(memory, [f]));
  } catch {
    return false;
  }
}

export interface WasmFeatures {
  simd: boolean;
  relaxedSimd: boolean;
  sharedMemory: boolean;
}

let cached: WasmFeatures | null = null;
let relaxedRefused = false;

const relaxedSetting = platform().env('AMSUNET_RELAXED_SIMD');
if (relaxedSetting === '1') platform().enableRelaxedSimd();
if (relaxedSetting === '0') relaxedRefused = true;

/** Whether a shared WebAssembly.Memory can be made here (validating is not enough in a non-isolated page). */
function sharedMemoryConstructible(): boolean {
  if (!platform().sharedMemory() || !wasmApi) return false;
  try {
    new wasmApi.Memory({ initial: 1, maximum: 1, shared: true });
    return true;
  } catch {
    return false;
  }
}

/** Whether the kernels use relaxed SIMD: asked for (AMSUNET_RELAXED_SIMD=1) and available. */
export function useRelaxedSimd(): boolean {
  return relaxedSetting === '1' && wasmFeatures().relaxedSimd;
}

/** Never use relaxed SIMD in this process, even where it validates (call before the first wasmFeatures()). */
export function refuseRelaxedSimd(): void {
  relaxedRefused = true;
  if (cached) cached = { ...cached, relaxedSimd: false };
}

export function wasmFeatures(): WasmFeatures {
  cached ??= {
    simd: validates(drop(f32x4.add(v128.zero(), v128.zero()))),
    relaxedSimd: !relaxedRefused && validates(drop(f32x4.relaxedMadd(v128.zero(), v128.zero(), v128.zero()))),
    sharedMemory: validates([], true) && sharedMemoryConstructible(),
  };
  return cached;
}

/**
 * The heap's memory as every kernel module imports it: `env.memory`, shared where threads can share it, else an
 * ordinary memory (one thread). The one place that decides, so modules and heap always agree.
 */
export function heapMemoryImport(): MemoryImport {
  return { module: 'env', field: 'memory', initialPages: 1, maximumPages: 65536, shared: wasmFeatures().sharedMemory };
}
