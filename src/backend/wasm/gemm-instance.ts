/** Compile (once per thread) and instantiate the generated GEMM kernel over a given memory. */
import { wasmApi, type WasmMemory } from './api.js';
import { useRelaxedSimd, wasmFeatures } from './features.js';
import { type GemmKernelShape, gemmModuleBytes } from './modules/gemm-module.js';
import type { GemmExports } from './gemm-driver.js';

/** 4×8 measured fastest on AVX2/AVX-512 x86 under V8 (8 accumulators + 2 B vectors + 1 splat of 16 xmm registers). */
export function defaultGemmShape(): GemmKernelShape {
  return { MR: 4, NR: 8, relaxed: useRelaxedSimd() };
}

const modules = new Map<string, object>();

export function instantiateGemm(memory: WasmMemory, shape: GemmKernelShape = defaultGemmShape()): GemmExports {
  if (!wasmApi || !wasmFeatures().simd) throw new Error('wasm gemm: this runtime does not support WebAssembly SIMD');
  if (shape.relaxed && !wasmFeatures().relaxedSimd) throw new Error('wasm gemm: relaxed SIMD does not validate here');
  const key = JSON.stringify(shape);
  let module = modules.get(key);
  if (!module) {
    module = new wasmApi.Module(gemmModuleBytes(shape, wasmFeatures().sharedMemory));
    modules.set(key, module);
  }
  return new wasmApi.Instance(module, { env: { memory } }).exports as unknown as GemmExports;
}
