/**
 * Which implementation runs where(cond, a, b) on same-shaped operands (the loops are in src/kernels/where.ts):
 *   float32 a, b, out and an int32 or float32 cond, wasm backend, main thread, all in the shared heap
 *                  the generated SIMD select over the pool (wasm/where.ts): exact copies, the loop's bits
 *   otherwise      whereSame, the branch-free loop, this thread
 */
import type { TypedArray } from '../../tensor/dtype.js';
import { whereSame } from '../../kernels/where.js';
import { whereWasm } from '../wasm/where.js';

export function whereSameShape(out: TypedArray, c: TypedArray, a: TypedArray, b: TypedArray): void {
  if (!whereWasm(out, c, a, b)) whereSame(out, c, a, b);
}
