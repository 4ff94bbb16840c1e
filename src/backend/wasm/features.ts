/**
 * What this runtime's WebAssembly accepts, found by validating tiny modules built with our own emitter,
 * never assumed: SIMD128, relaxed SIMD (f32x4.relaxed_madd) and shared memories (threads).
 */
import { encodeModule } from './emit/encoding.js';
import { FunctionBuilder, f32x4, v128 } from './emit/instructions.js';
import { wasmApi } from './api.js';

const DROP = 0x1a;

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

export function wasmFeatures(): WasmFeatures {
  cached ??= {
    simd: validates([...f32x4.add(v128.zero(), v128.zero()), DROP]),
    relaxedSimd: validates([...f32x4.relaxedMadd(v128.zero(), v128.zero(), v128.zero()), DROP]),
    sharedMemory: validates([], true),
  };
  return cached;
}
