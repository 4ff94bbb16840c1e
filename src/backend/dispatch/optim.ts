/**
 * Which implementation runs an optimizer's per-element update (the loops are in src/kernels/adam.ts).
 *
 *   adamUpdate(p, grad, m, v, vMax, step)   one Adam / AdamW step of a parameter
 *     float32, wasm backend, >= 4096 elements   the wasm adamStep over the pool (wasm/adam.ts; plain arrays staged in
 *                                              and copied back), same bits
 *     otherwise                                adamUpdateRange, this thread
 */
import type { FloatArray } from '../../tensor/dtype.js';
import { type AdamStep, adamUpdateRange } from '../../kernels/adam.js';
import { adamUpdateWasm } from '../wasm/adam.js';

export function adamUpdate(p: FloatArray, grad: FloatArray, m: FloatArray, v: FloatArray, vMax: FloatArray | null, step: AdamStep): void {
  if (!adamUpdateWasm(p, grad, m, v, vMax, step)) adamUpdateRange(p, grad, m, v, vMax, step, 0, p.length);
}
