/**
 * The Adam / AdamW step on the wasm backend (wasm/adam.ts, the generated adamStep) against its js twin
 * (kernels/adam.ts adamUpdateRange): the same bits in the parameter and every moment buffer, for AdamW's decay,
 * Adam's L2 term and amsgrad, any length and step, 1 and 2 threads (2 needs the compiled worker: npm run build), and
 * the route taken ('adam.wasm' from 4096 elements, heap views in place and plain arrays staged; the loop below).
 */
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { getHeap, setThreads, wasmFeatures } from '../../src/backend/index.js';
import { withPoolLog } from '../helpers/pool-log.js';
import { setElementwiseChunk } from '../../src/backend/wasm/elementwise-run.js';
import { adamUpdate } from '../../src/backend/dispatch/optim.js';
import { type AdamStep, adamUpdateRange } from '../../src/kernels/adam.js';

const DEFAULT_CHUNK = setElementwiseChunk(1 << 16);
afterEach(() => {
  setElementwiseChunk(DEFAULT_CHUNK);
  setThreads(1);
});
afterAll(() => setThreads(1));

/** Four floats after each heap array, which the step must leave alone. */
const GUARD = 4, SENTINEL = 12345.5;

/** A float32 view of the shared heap holding `values` (as the buffer pool's tensor buffers are), guards after it. */
function onHeap(values: Float32Array): Float32Array {
  const at = getHeap().allocRegion(4 * (values.length + GUARD)); // first: it may grow the memory (a new buffer)
  new Float32Array(getHeap().f32.buffer, at + 4 * values.length, GUARD).fill(SENTINEL);
  const x = new Float32Array(getHeap().f32.buffer, at, values.length);
  x.set(values);
  return x;
}

/** The guards after a heap array made by onHeap. */
const guards = (x: Float32Array) => Array.from(new Float32Array(getHeap().f32.buffer, x.byteOffset + 4 * x.length, GUARD));

/** Index of the first element whose bits differ (any NaN equals any NaN; +0 and −0 differ), or −1. */
function firstDiff(x: Float32Array, y: Float32Array): number {
  for (let i = 0; i < x.length; i++) if (!(Object.is(x[i], y[i]) || (Number.isNaN(x[i]) && Number.isNaN(y[i])))) return i;
  return -1;
}

const value = fc.oneof(
  { weight: 8, arbitrary: fc.float({ min: -10, max: 10, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(0, -0, 1e-30, -3e-39, 1e30) },
);
const stepCase = fc.record({
  n: fc.integer({ min: 4096, max: 9001 }), onHeap: fc.boolean(), seed: fc.array(value, { minLength: 40, maxLength: 40 }),
  lr: fc.double({ min: 1e-5, max: 0.1, noNaN: true }), wd: fc.constantFrom(0, 1e-4, 0.05),
  b1: fc.constantFrom(0, 0.9), b2: fc.constantFrom(0.99, 0.999), eps: fc.constantFrom(1e-8, 1e-3),
  t: fc.integer({ min: 1, max: 50 }), decoupled: fc.boolean(), amsgrad: fc.boolean(), chunk: fc.constantFrom(16, 1 << 16),
});

type StepCase = typeof stepCase extends fc.Arbitrary<infer R> ? R : never;

function run(c: StepCase, kernels: string[]): void {
  const fill = (k: number, nonNegative = false) => Float32Array.from({ length: c.n }, (_, i) => {
    const x = c.seed[(i * 7 + k) % c.seed.length] * (1 + ((i * 13) % 5) / 10);
    return nonNegative ? Math.abs(x) : x;
  });
  const step: AdamStep = {
    stepSize: c.lr / (1 - c.b1 ** c.t), bc2Sqrt: Math.sqrt(1 - c.b2 ** c.t), decay: c.decoupled ? 1 - c.lr * c.wd : 1,
    l2: c.decoupled ? 0 : c.wd, b1: c.b1, b2: c.b2, eps: c.eps,
  };
  const ref = { p: fill(0), g: fill(1), m: fill(2), v: fill(3, true), vMax: fill(4, true) };
  const place = (x: Float32Array) => (c.onHeap ? onHeap(x) : Float32Array.from(x)); // plain arrays are staged and copied back
  const heap = { p: place(ref.p), g: place(ref.g), m: place(ref.m), v: place(ref.v), vMax: place(ref.vMax) };
  setElementwiseChunk(c.chunk);
  adamUpdateRange(ref.p, ref.g, ref.m, ref.v, c.amsgrad ? ref.vMax : null, step, 0, c.n);
  kernels.length = 0;
  adamUpdate(heap.p, heap.g, heap.m, heap.v, c.amsgrad ? heap.vMax : null, step);
  expect(kernels.length).toBeGreaterThan(0);
  expect(new Set(kernels)).toEqual(new Set(['adam.wasm']));
  for (const k of ['p', 'g', 'm', 'v', 'vMax'] as const) {
    expect(firstDiff(heap[k], ref[k]), k).toBe(-1);
    if (c.onHeap) expect(guards(heap[k]), `${k}: past its end`).toEqual(new Array(GUARD).fill(SENTINEL));
  }
}

describe.runIf(wasmFeatures().simd)('Adam / AdamW step on the wasm backend', () => {
  test('heap views and plain arrays: the bits of the js loop in p, m, v and vMax (AdamW decay, Adam L2, amsgrad), 1 and 2 threads', () => {
    for (const threads of [1, 2]) {
      setThreads(threads);
      withPoolLog((kernels) => fc.assert(fc.property(stepCase, (c) => run(c, kernels)), { numRuns: 60, seed: 0xada + threads }));
    }
  });

  test('small parameters (under 4096 elements: biases, norms) run the loop itself', () => {
    const p = new Float32Array([1, -2, 3]), g = new Float32Array([0.5, 0.5, -1]), m = new Float32Array(3), v = new Float32Array(3);
    const kernels = withPoolLog((log) => {
      adamUpdate(p, g, m, v, null, { stepSize: 0.1, bc2Sqrt: Math.sqrt(0.001), decay: 1, l2: 0, b1: 0.9, b2: 0.999, eps: 1e-8 });
      return log;
    });
    expect(kernels).toEqual([]);
    expect(Array.from(m)).toEqual([0.05, 0.05, -0.1].map(Math.fround));
  });
});
