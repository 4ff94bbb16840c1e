/**
 * The worker pool. Workers run the compiled dist/src/platform/node-pool-worker.js (Node 20 cannot run TypeScript workers):
 * `npm test` builds first; when iterating, run `npx tsc -p .` before these tests.
 */
import { afterAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { SharedHeap } from '../../src/backend/parallel/heap.js';
import { WorkerPool, partRange } from '../../src/backend/parallel/pool.js';
import { poolKernels } from '../../src/backend/pooled-kernels.js';
import { gemmScratchBytes } from '../../src/backend/wasm/gemm-driver.js';
import { defaultGemmShape } from '../../src/backend/wasm/gemm-instance.js';
import { firstMismatch, gemmCase, makeProblem } from './gemm-problems.js';
import type { GemmProblem } from '../../src/kernels/gemm.js';

const heap = new SharedHeap({ slots: 3, slotBytes: gemmScratchBytes(defaultGemmShape()), initialBytes: 1 << 20 });
const pools = [1, 2, 3].map((n) => new WorkerPool(heap, n, poolKernels));
afterAll(() => Promise.all(pools.map((p) => p.close())));

/** Stage a problem in the heap (float32 or float64) and return the pool args and a reader for C. */
function stage(p: GemmProblem, splitColumns: boolean): { args: number[]; readC: () => Float32Array | Float64Array } {
  const f64 = p.c instanceof Float64Array, as = f64 ? 'float64' : 'float32', size = f64 ? 8 : 4;
  heap.resetStaging();
  const a = heap.stageCopy(p.a, 0, p.a.length, as), b = heap.stageCopy(p.b, 0, p.b.length, as);
  const c = heap.stageCopy(p.c, 0, p.c.length, as);
  const args = [p.M, p.N, p.K, a + size * p.aOffset, p.lda, +p.transA, b + size * p.bOffset, p.ldb, +p.transB,
    c + size * p.cOffset, p.ldc, +p.accumulate, +splitColumns, size, 0, 0];
  return { args, readC: () => (f64 ? heap.f64 : heap.f32).slice(c / size, c / size + p.c.length) };
}

describe('worker pool', () => {
  test('partRange covers [0, total) with disjoint aligned parts', () => {
    fc.assert(fc.property(fc.nat(1000), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 16 }), (total, parts, align) => {
      let next = 0;
      for (let p = 0; p < parts; p++) {
        const [lo, hi] = partRange(total, parts, align, p);
        expect(lo).toBe(next);
        expect(hi).toBeGreaterThanOrEqual(lo);
        if (hi < total) expect(hi % align).toBe(0);
        next = hi;
      }
      expect(next).toBe(total);
    }));
  });

  test.each(['gemm.js', 'gemm.wasm'])('%s: 1, 2 and 3 threads, any chunk count, give bit-identical results, split over rows or columns', (kernel) => {
    fc.assert(
      fc.property(gemmCase(120, 120, 300), fc.boolean(), fc.boolean(), fc.integer({ min: 1, max: 9 }), (g, splitColumns, f64, chunks) => {
        const Arr = f64 && kernel === 'gemm.js' ? Float64Array : Float32Array;
        const p = makeProblem(g, Arr);
        const results = pools.map((pool) => {
          const { args, readC } = stage(p, splitColumns);
          pool.run(kernel, args, splitColumns ? p.N : p.M, { align: kernel === 'gemm.wasm' ? 8 : 4, chunks });
          return readC();
        });
        expect(firstMismatch(results[1], results[0])).toBe(-1);
        expect(firstMismatch(results[2], results[0])).toBe(-1);
      }),
      { numRuns: 40, seed: 0x5eed + 20 },
    );
  });

  test('a pool closed at once, before its workers are up, still closes: every worker exits', async () => {
    // the workers read the task generation as they start; a close that moved it before then must still stop them
    // (setThreads right after building a model closes the pool the model's heap started)
    const pool = new WorkerPool(heap, 3, poolKernels);
    const closed = pool.close().then(() => 'closed');
    expect(await Promise.race([closed, new Promise((resolve) => setTimeout(() => resolve('timed out'), 20_000))])).toBe('closed');
  });

  test('workers see memory the main thread grew after they started', () => {
    const p = makeProblem({ M: 64, N: 64, K: 64, transA: false, transB: false, accumulate: false,
      padA: 0, padB: 0, padC: 0, offA: 0, offB: 0, offC: 0, seed: 3 }, Float32Array);
    const before = heap.memory.buffer.byteLength;
    heap.resetStaging();
    heap.stage(before); // push the operands past the old end
    const a = heap.stageCopy(p.a, 0, p.a.length, 'float32'), b = heap.stageCopy(p.b, 0, p.b.length, 'float32');
    const c = heap.stage(64 * 64 * 4);
    expect(heap.memory.buffer.byteLength).toBeGreaterThan(before);
    pools[2].run('gemm.wasm', [64, 64, 64, a, 64, 0, b, 64, 0, c, 64, 0, 0, 4, 0, 0], 64, { align: 8 });
    const got = heap.f32.slice(c / 4, c / 4 + 64 * 64);
    pools[0].run('gemm.wasm', [64, 64, 64, a, 64, 0, b, 64, 0, c, 64, 0, 0, 4, 0, 0], 64, { align: 8 });
    expect(got).toEqual(heap.f32.slice(c / 4, c / 4 + 64 * 64));
    expect(got.some((x) => x !== 0)).toBe(true);
  });

  test('an error inside a worker is reported by run() with the worker and the message', () => {
    // rows 0..23 (chunk 0 of 3 x 24 rows, always taken first, by the main thread) lie inside the memory, rows
    // 24.. past its end; chunk 0 is big enough (100 MFLOP) that the workers normally take chunks 1 and 2 meanwhile.
    // On a loaded machine the main thread may get there first (a plain wasm error), so try a few times.
    const K = 256, N = 8000;
    heap.resetStaging();
    const b = heap.stage(K * N * 4), c = heap.stage(64 * N * 4), a = heap.stage(0);
    const lda = Math.floor((heap.memory.buffer.byteLength - a) / 4 / 23.5);
    const fromWorker = /^pool: kernel gemm.wasm failed in a worker: worker [12]: memory access out of bounds(; worker 2: memory access out of bounds)?$/;
    let sawWorkerError = false;
    for (let attempt = 0; attempt < 5 && !sawWorkerError; attempt++) {
      let message = '';
      try {
        pools[2].run('gemm.wasm', [64, N, K, a, lda, 0, b, N, 0, c, N, 0, 0, 4, 0, 0], 64, { align: 8 });
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(/^(pool: kernel gemm.wasm failed in a worker: .*|memory access out of bounds)$/);
      sawWorkerError = fromWorker.test(message);
    }
    expect(sawWorkerError).toBe(true);
    // the message lists every registered kernel (the list grows as kernels are added: check its form and a few names)
    expect(() => pools[2].run('nope', [], 1)).toThrow(/^pool: no kernel named 'nope' \(have gemm\.js, gemm\.wasm, gemm\.wasm\.pack, gelu\.wasm, .*\bnoop\b.*\bdepthwise\.js\b.*\)$/);
  });
});
