/**
 * Setup file of vitest.stryker.config.ts only. Stryker's vitest runner always runs the tests in a worker thread,
 * and the backend refuses to start a GEMM or a pooled kernel off the main thread (the guard that keeps kernels
 * running inside the pool from re-entering it). The test's worker is the only thread driving the engine here,
 * so it is told it is the main thread.
 */
import { vi } from 'vitest';

vi.mock('node:worker_threads', async (importOriginal) => ({ ...(await importOriginal<typeof import('node:worker_threads')>()), isMainThread: true }));
