/**
 * Import first (before anything compiles WebAssembly) to have relaxed SIMD in this test file's process, so the
 * relaxed kernels are tested beside the plain ones. Vitest runs each file in its own process (pool 'forks'), so
 * no other file sees the flag.
 */
import v8 from 'node:v8';

v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
