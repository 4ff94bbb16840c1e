/**
 * Node only: turn on V8's relaxed-SIMD support (off by default in Node 20, where it is behind
 * --experimental-wasm-relaxed-simd) before any WebAssembly is compiled. Import this module before anything that
 * validates or compiles a module; V8 flags are process-wide, so worker threads started later have it too.
 * The kernels still use f32x4.relaxed_madd only if a module using it then validates (wasm/features.ts), so on a
 * runtime that ignores the flag nothing changes. AMSUNET_RELAXED_SIMD=0 keeps the plain SIMD128 kernels (their
 * bits: relaxed_madd is one fused multiply-add on x86 with FMA, where mul + add rounds twice).
 */
import v8 from 'node:v8';

export const relaxedSimdRequested = process.env.AMSUNET_RELAXED_SIMD !== '0';

if (relaxedSimdRequested) v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
