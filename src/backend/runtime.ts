/**
 * Backend state for this process: which backend runs kernels, how many threads, and the lazily created
 * shared heap and worker pool. What the host offers (cores, workers, shared memory) comes from src/platform/.
 */
import { platform } from '../platform/index.js';
import { SharedHeap } from './parallel/heap.js';
import { WorkerPool } from './parallel/pool.js';
import { poolKernels } from './pooled-kernels.js';
import { wasmFeatures } from './wasm/features.js';
import { gemmScratchBytes } from './wasm/gemm-driver.js';
import { defaultGemmShape } from './wasm/gemm-instance.js';
import { ConfigError } from '../tensor/errors.js';
import { setFreshBufferSource } from '../tensor/buffer-pool.js';
import { heapTensorBuffers } from './parallel/tensor-buffers.js';
import { dispatches } from './parallel/thread-role.js';

export type BackendName = 'js' | 'wasm';

/** Scratch slots in the heap: the most threads a pool can ever have. Untouched slots cost address space only. */
const MAX_THREADS = Math.max(64, platform().cpuCount());

/**
 * Running from TypeScript sources (vitest) the workers would run the compiled dist/ copy, which may be stale,
 * so the default there is 1 thread; tests that want workers call setThreads explicitly.
 */
const fromSources = import.meta.url.endsWith('.ts');

/** Threads the host can run kernels on: more than one needs workers that can start, and this thread able to wait. */
function threadsAvailable(): number {
  return platform().poolWorkerUnavailable() === null && wasmFeatures().sharedMemory ? platform().defaultThreads() : 1;
}

let backend: BackendName = wasmFeatures().simd ? 'wasm' : 'js';
let threads = fromSources ? 1 : threadsAvailable();
let heap: SharedHeap | null = null;
let pool: WorkerPool | null = null;

export function getBackend(): BackendName {
  return backend;
}

/** Choose the kernels: 'wasm' (default where WebAssembly SIMD validates) or 'js' (plain TypeScript). */
export function setBackend(name: BackendName): void {
  if (name !== 'js' && name !== 'wasm') throw new ConfigError('setBackend', `backend must be 'js' or 'wasm', got '${String(name)}'`);
  if (name === 'wasm' && !wasmFeatures().simd) {
    throw new ConfigError('setBackend', "backend 'wasm' needs WebAssembly SIMD, which this runtime lacks");
  }
  backend = name;
}

export function getThreads(): number {
  return threads;
}

/**
 * Threads that share the work, the calling thread included (default: the host's core count where workers can
 * start, else 1). More than one where the host cannot run workers is refused with the reason.
 */
export function setThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_THREADS) {
    throw new ConfigError('setThreads', `threads must be an integer in [1, ${MAX_THREADS}], got ${n}`);
  }
  if (n > 1) {
    const no = platform().poolWorkerUnavailable() ?? (wasmFeatures().sharedMemory ? null : { why: 'this runtime cannot share memory between threads', fallback: false });
    // a fallback reason (no compiled worker next to TypeScript sources) is not fatal: getPool runs one thread and warns
    if (no && !no.fallback) throw new ConfigError('setThreads', `${n} threads: ${no.why}`);
  }
  if (n === threads) return;
  threads = n;
  if (pool) void pool.close();
  pool = null;
}

let mainWarm = false;

function makeHeap(): SharedHeap {
  heap ??= new SharedHeap({ slots: MAX_THREADS, slotBytes: gemmScratchBytes(defaultGemmShape()) });
  return heap;
}

export function getHeap(): SharedHeap {
  if (heap && mainWarm) return heap;
  makeHeap();
  mainWarm = true;
  // The first use of the heap (a model being built, through the tensor-buffer source's prepare(), or else the first
  // large tensor made in a forward): start the workers if that has not happened yet (getPool makes the heap without
  // this, so a pool is never made twice), and generate and compile this thread's kernels, as a model is built rather
  // than inside its first forward.
  if (dispatches()) {
    const p = getPool();
    if (backend === 'wasm') p.main.warm();
  }
  return heap!;
}

// New float32 tensor buffers are views of the shared heap (see tensor-buffers.ts) wherever kernels run there: on
// the wasm backend, and on the js backend with worker threads (its pooled kernels read the heap).
export function installHeapTensorBuffers(): void {
  // only a shared memory keeps its views when it grows, so an ordinary one (one thread in a page that is not
  // cross-origin isolated) serves no tensor buffers: operands are copied in and out per call instead
  setFreshBufferSource(heapTensorBuffers(getHeap, () => wasmFeatures().sharedMemory && (backend === 'wasm' || threads > 1)));
}
installHeapTensorBuffers();

/**
 * Start the pool for the current thread count and resolve once its workers are up. Optional in Node (the first
 * kernel waits for them); in a browser, workers start only while the calling worker's event loop turns, so until
 * this resolves kernels run on the threads that are up (same results, less speed).
 */
export async function threadsReady(): Promise<void> {
  await getPool().started();
}

let warnedNoWorker = false;

/** The pool for the current thread count; without a compiled worker script, a 1-thread pool and a warning. */
export function getPool(): WorkerPool {
  if (pool) return pool;
  const h = makeHeap();
  let size = threads;
  const no = size > 1 ? platform().poolWorkerUnavailable() : null;
  if (no) {
    if (!warnedNoWorker) platform().warn(`amsunet-ts: running on 1 thread: ${no.why}`);
    warnedNoWorker = true;
    size = 1;
  }
  pool = new WorkerPool(h, size, poolKernels);
  return pool;
}
