/**
 * When the WebAssembly kernels may run: the one definition of the backend / thread / dtype / residency rule, read by
 * the dispatchers (dispatch/) and by the wasm drivers (wasm/), which decline a call it excludes. The dispatchers
 * choose among implementations; a driver's other reasons to decline are its own kernel's limits (a geometry, an
 * argument count, a scratch size), stated where they are checked.
 *
 *   wasmThread()      the wasm backend, on a thread that may start pool work (not inside a pool worker)
 *   useWasmFor(x)     that, for float32 data: kernels that stage what is not in the heap (GEMM, GELU, depth-wise)
 *   onHeap(arrays)    float32 views of the shared heap: kernels that stream memory, where copies in and out would
 *                     cost what the kernel saves (wasm/elementwise-run.ts has the measurement)
 */
import type { FloatArray, TypedArray } from '../tensor/dtype.js';
import { getBackend, getHeap } from './runtime.js';
import { dispatches } from './parallel/thread-role.js';

/** The wasm backend, and a thread that may start pool work (the main thread). */
export function wasmThread(): boolean {
  return getBackend() === 'wasm' && dispatches();
}

/** True when work on `x` should take the wasm kernels: float32 data on the wasm backend, on a dispatching thread. */
export function useWasmFor(x: FloatArray): x is Float32Array {
  return x instanceof Float32Array && wasmThread();
}

/** All arrays float32 views of the shared heap (pooled work on them needs no copies). */
export function onHeap(arrays: readonly TypedArray[]): boolean {
  return arrays.every((x) => x instanceof Float32Array) && getHeap().containsAll(arrays);
}
