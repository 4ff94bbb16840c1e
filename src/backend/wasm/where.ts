/**
 * where(cond, a, b) on the wasm backend for same-shaped float32 operands a, b, out already in the shared heap (the generated
 * whereI / whereF of modules/elementwise-module.ts over the pool): a lane mask from cond ≠ 0 selects the bits of a
 * or b, so the output is exact copies, the bits of the loop (kernels/where.ts). False, having done nothing, where it
 * does not apply.
 */
import type { TypedArray } from '../../tensor/dtype.js';
import { onHeap, wasmThread } from '../where.js';
import { runChunked } from './elementwise-run.js';
import { getHeap } from '../runtime.js';

export function whereWasm(out: TypedArray, c: TypedArray, a: TypedArray, b: TypedArray): boolean {
  const n = out.length;
  if (n === 0 || !(out instanceof Float32Array && a instanceof Float32Array && b instanceof Float32Array)) return false;
  if (!(c instanceof Int32Array || c instanceof Float32Array) || c.length !== n || a.length !== n || b.length !== n) return false;
  if (!wasmThread() || !onHeap([out, a, b])) return false;
  // an int32 condition is a plain array (the heap serves float32 tensors): its bits are staged as float32 lanes
  const heap = getHeap();
  heap.resetStaging();
  const cAt = heap.place(c instanceof Float32Array ? c : new Float32Array(c.buffer, c.byteOffset, n));
  runChunked(c instanceof Int32Array ? 'whereI.wasm' : 'whereF.wasm', [cAt, a.byteOffset, b.byteOffset, out.byteOffset], n, 1);
  return true;
}
