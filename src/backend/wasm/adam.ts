/**
 * The Adam / AdamW step on the wasm backend: the generated adamStep (modules/elementwise-module.ts) over the pool, for
 * a float32 parameter of at least MIN_ELEMENTS; the same bits as kernels/adam.ts's loop, whatever the split.
 * Arrays that are not views of the shared heap (a model's parameters and the optimizer's moments usually are plain
 * arrays) are staged in and, for p, m, v and vMax, copied back: unlike a streaming add, the step does a square root and
 * two double divisions per element, so the copies (a few hundred µs for AMSUnet's 2.6 M parameters) cost far less
 * than the loop they spare (about 8 ns an element in V8, on one thread).
 */
import type { FloatArray } from '../../tensor/dtype.js';
import type { AdamStep } from '../../kernels/adam.js';
import { getHeap } from '../runtime.js';
import { runChunked } from './elementwise-run.js';
import { wasmThread } from '../where.js';

/** Elements of work one element of the step is worth, next to a streaming add (a square root and two divisions). */
const ADAM_COST = 4;
/** Smaller parameters (biases, norms) stay on the loop: a pool run and the staging cost more than they would save. */
const MIN_ELEMENTS = 4096;

export function adamUpdateWasm(p: FloatArray, grad: FloatArray, m: FloatArray, v: FloatArray, vMax: FloatArray | null, c: AdamStep): boolean {
  const arrays = vMax ? [p, grad, m, v, vMax] : [p, grad, m, v];
  if (p.length < MIN_ELEMENTS || !arrays.every((x) => x instanceof Float32Array && x.length === p.length) || !wasmThread()) return false;
  const heap = getHeap();
  heap.resetStaging();
  const [pa, ga, ma, va, vMaxa] = arrays.map((x) => heap.place(x));
  runChunked('adam.wasm', [pa, ga, ma, va, vMaxa ?? 0, c.stepSize, c.bc2Sqrt, c.decay, c.l2, 1 - c.b1, c.b2, 1 - c.b2, c.eps],
    p.length, ADAM_COST);
  for (const [x, at] of [[p, pa], [m, ma], [v, va], [vMax, vMaxa]] as const) {
    if (x && !heap.contains(x)) x.set(heap.f32.subarray(at! / 4, at! / 4 + x.length));
  }
  return true;
}
