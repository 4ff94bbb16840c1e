/**
 * What the engine needs from the place it runs in, and nothing more: how many cores, whether this thread may block
 * (Atomics.wait), whether memory can be shared between threads, and how to start a pool worker. The core (tensor,
 * autograd, ops, nn, kernels, backend) reaches Node or the browser only through this interface, so it bundles for
 * a web page as it is. Implementations: node.ts (worker_threads), web.ts (Web Workers); index.ts picks one.
 */

/** A started pool worker. */
/** Why threads cannot run here: the reason, and whether to fall back to one thread (a warning) or refuse. */
export interface PoolUnavailable {
  why: string;
  fallback: boolean;
}

export interface PoolWorkerHandle {
  /** Wait until the worker has exited (after the pool told it to stop). */
  exited(): Promise<void>;
}

export interface Platform {
  readonly name: 'node' | 'web';
  /** Logical cores available to this process (os.availableParallelism, navigator.hardwareConcurrency). */
  cpuCount(): number;
  /** Threads the engine uses until told otherwise (setThreads). */
  defaultThreads(): number;
  /** Whether this thread may block in Atomics.wait (not a browser page's main thread). */
  canBlock(): boolean;
  /** Whether SharedArrayBuffer exists here (in a browser: the page is cross-origin isolated). */
  sharedMemory(): boolean;
  /**
   * Whether a worker started here comes up while this thread blocks. Node: yes. A browser: no, the parent's event
   * loop must turn before its new worker even fetches its script, so the pool never blocks waiting for workers
   * there: tasks run on the threads that have joined (chunks are taken dynamically, so results are the same).
   */
  workersStartWhileBlocked(): boolean;
  /**
   * Why no pool worker can be started here, or null when one can. `fallback`: a missing build output (running the
   * TypeScript sources), for which the engine runs on one thread with a warning; otherwise asking for threads is an
   * error (a page that is not cross-origin isolated, say).
   */
  poolWorkerUnavailable(): PoolUnavailable | null;
  /** Start a pool worker and hand it `data` (structured-cloneable; its SharedArrayBuffers are shared, not copied). */
  startPoolWorker(data: object, onStartError: (e: Error) => void): PoolWorkerHandle;
  /** A warning for the user, shown once by the caller (process.emitWarning, console.warn). */
  warn(message: string): void;
  /** An environment setting (process.env in Node; none in a browser). */
  env(name: string): string | undefined;
  /**
   * Turn on the runtime's relaxed-SIMD WebAssembly if it has it behind a flag (Node 20: V8's
   * --experimental-wasm-relaxed-simd, process-wide, so workers started later have it too). Call before any
   * module is compiled; whether it worked is found by validating a module (backend/wasm/features.ts).
   */
  enableRelaxedSimd(): void;
}
