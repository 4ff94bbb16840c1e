/**
 * Backend state for this process: which backend runs kernels, how many threads, and the lazily created
 * shared heap and worker pool.
 */
import '../platform/node-wasm-flags.js'; // first: relaxed SIMD must be on before any module is compiled
import { availableParallelism } from 'node:os';
import { SharedHeap } from './parallel/heap.js';
import { WorkerPool, findWorkerScript } from './parallel/pool.js';
import { wasmFeatures } from './wasm/features.js';
import { gemmScratchBytes } from './wasm/gemm-driver.js';
import { defaultGemmShape } from './wasm/gemm-instance.js';
import { ConfigError } from '../tensor/errors.js';
import { setFreshBufferSource } from '../tensor/buffer-pool.js';
import { heapTensorBuffers } from './parallel/tensor-buffers.js';

export type BackendName = 'js' | 'wasm';

/** Scratch slots in the heap: the most threads a pool can ever have. Untouched slots cost address space only. */
const MAX_THREADS = Math.max(64, availableParallelism());

/**
 * Running from TypeScript sources (vitest) the workers would run the compiled dist/ copy, which may be stale,
 * so the default there is 1 thread; tests that want workers call setThreads explicitly.
 */
const fromSources = import.meta.url.endsWith('.ts');

let backend: BackendName = wasmFeatures().simd && wasmFeatures().sharedMemory ? 'wasm' : 'js';
let threads = fromSources ? 1 : availableParallelism();
let heap: SharedHeap | null = null;
let pool: WorkerPool | null = null;

export function getBackend(): BackendName {
  return backend;
}

/** Choose the kernels: 'wasm' (default where WebAssembly SIMD validates) or 'js' (plain TypeScript). */
export function setBackend(name: BackendName): void {
  if (name !== 'js' && name !== 'wasm') throw new ConfigError('setBackend', `backend must be 'js' or 'wasm', got '${String(name)}'`);
  if (name === 'wasm' && !(wasmFeatures().simd && wasmFeatures().sharedMemory)) {
    throw new ConfigError('setBackend', "backend 'wasm' needs WebAssembly SIMD and shared memory, which this runtime lacks");
  }
  backend = name;
}

export function getThreads(): number {
  return threads;
}

/** Threads that share the work, main thread included (default os.availableParallelism()). */
export function setThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_THREADS) {
    throw new ConfigError('setThreads', `threads must be an integer in [1, ${MAX_THREADS}], got ${n}`);
  }
  if (n === threads) return;
  threads = n;
  if (pool) void pool.close();
  pool = null;
}

export function getHeap(): SharedHeap {
  heap ??= new SharedHeap({ slots: MAX_THREADS, slotBytes: gemmScratchBytes(defaultGemmShape()) });
  return heap;
}

// New float32 tensor buffers are views of the shared heap (see tensor-buffers.ts) wherever kernels run there: on
// the wasm backend, and on the js backend with worker threads (its pooled kernels read the heap).
export function installHeapTensorBuffers(): void {
  setFreshBufferSource(heapTensorBuffers(getHeap, () => backend === 'wasm' || threads > 1));
}
installHeapTensorBuffers();

let warnedNoWorker = false;

/** The pool for the current thread count; without a compiled worker script, a 1-thread pool and a warning. */
export function getPool(): WorkerPool {
  if (pool) return pool;
  let size = threads;
  if (size > 1 && !findWorkerScript()) {
    if (!warnedNoWorker) process.emitWarning('amsunet-ts: no compiled worker (npm run build); running on 1 thread');
    warnedNoWorker = true;
    size = 1;
  }
  pool = new WorkerPool(getHeap(), size);
  return pool;
}
