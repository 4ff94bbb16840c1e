/**
 * Pool workers that cannot start are reported with their cause, at once, not after a 30 s wait: a worker whose code
 * fails to load writes why into the shared error block (backend/parallel/protocol.ts) and the first task throws it.
 * And in a host where workers come up only while the caller's event loop turns (a browser), a task never waits for
 * them: it runs on the threads that are up, with the same result.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { Worker } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { SharedHeap } from '../../src/backend/parallel/heap.js';
import { WorkerPool } from '../../src/backend/parallel/pool.js';
import { platform, setPlatform, type Platform } from '../../src/platform/index.js';
import { nodePlatform } from '../../src/platform/node.js';

const PROTOCOL = pathToFileURL(join(process.cwd(), 'src/backend/parallel/protocol.ts')).href;
const heap = new SharedHeap({ slots: 3, slotBytes: 1 << 16, initialBytes: 1 << 20 });
const original = platform();
afterEach(() => setPlatform(original));

/** Node's platform, but its workers run `code` (CommonJS, workerData in scope) instead of the pool worker. */
function platformRunning(code: string, overrides: Partial<Platform> = {}): Platform {
  return {
    ...nodePlatform,
    poolWorkerUnavailable: () => null,
    startPoolWorker(data) {
      const w = new Worker(`const { workerData } = require('node:worker_threads');\n${code}`, { eval: true, workerData: data });
      w.unref();
      return { exited: () => new Promise<void>((resolve) => (w.ref(), w.once('exit', () => resolve()))) };
    },
    ...overrides,
  };
}

describe('pool worker start', () => {
  test('a worker whose code cannot load: the first task throws its cause, without the 30 s timeout', async () => {
    // what node-pool-worker.ts does when its dynamic import fails, with a module that does not exist
    setPlatform(platformRunning(`import(${JSON.stringify(PROTOCOL.replace(/\.ts$/, '.js').replace('/src/', '/dist/src/'))}).then((p) =>
      import('./no-such-pool-loop.js').catch((e) => p.reportStartFailure(workerData.ctrl, workerData.errors, workerData.slot, e)));`));
    const pool = new WorkerPool(heap, 2);
    const t0 = Date.now();
    expect(() => pool.run('gemm.js', [], 1000, { threads: 2, chunks: 2 })).toThrow(/pool: a worker could not start: worker 1 could not start: .*no-such-pool-loop/);
    expect(Date.now() - t0).toBeLessThan(20_000);
    // and it stays broken with the same message, not a hang
    expect(() => pool.run('gemm.js', [], 1000, { threads: 2, chunks: 2 })).toThrow(/no-such-pool-loop/);
  });

  test('where workers cannot come up while the caller blocks, a task runs on the threads that are up', () => {
    // a worker that never starts (a browser page that has not yielded yet): the task must not wait for it
    setPlatform(platformRunning('setInterval(() => {}, 1000);', { workersStartWhileBlocked: () => false }));
    const pool = new WorkerPool(heap, 2);
    heap.resetStaging();
    // 'gemm.js' on a 3x2 · 2x2 problem, rows of C over two chunks: the main thread takes both
    const M = 3, N = 2, K = 2, size = 8;
    const a = heap.stageCopy(Float64Array.from([1, 2, 3, 4, 5, 6]), 0, 6, 'float64');
    const b = heap.stageCopy(Float64Array.from([1, 0, 0, 1]), 0, 4, 'float64');
    const c = heap.stageCopy(new Float64Array(6), 0, 6, 'float64');
    pool.run('gemm.js', [M, N, K, a, K, 0, b, N, 0, c, N, 0, 0, size, 0, 0, 0], M, { threads: 2, chunks: 2 });
    expect(Array.from(heap.f64.slice(c / 8, c / 8 + 6))).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
