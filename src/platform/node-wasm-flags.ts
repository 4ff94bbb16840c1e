/**
 * Node only: with AMSUNET_RELAXED_SIMD=1, turn on V8's relaxed-SIMD support (off by default in Node 20, where it is
 * behind --experimental-wasm-relaxed-simd) before any WebAssembly is compiled. Import this module before anything
 * that validates or compiles a module; V8 flags are process-wide, so worker threads started later have it too.
 * The kernels use f32x4.relaxed_madd only if a module using it then validates (wasm/features.ts), so on a runtime
 * that ignores the flag nothing changes; where relaxed SIMD is on by default (newer V8), it is used unless
 * AMSUNET_RELAXED_SIMD=0.
 *
 * Why it is opt-in: relaxed_madd is one fused multiply-add on x86 with FMA, where mul + add rounds twice. That is
 * ~25-30% more GEMM throughput per core here, but the float32 bits of training change, and after two AdamW steps
 * one parameter of the PyTorch AdamW golden (tests/models/amsunet-adamw.test.ts) moves past its bound
 * (5.3e-5 against 3.9e-5), so the default stays the plain SIMD128 kernels.
 */
import v8 from 'node:v8';
import { refuseRelaxedSimd } from '../backend/wasm/features.js';

const setting = process.env.AMSUNET_RELAXED_SIMD;

if (setting === '1') v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
if (setting === '0') refuseRelaxedSimd();
