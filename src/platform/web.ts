/**
 * The browser platform (a page or a Web Worker): Web Workers over SharedArrayBuffer for the pool, which needs the
 * page to be cross-origin isolated (COOP/COEP headers) and a pool worker script: the compiled
 * `platform/web-pool-worker.js` (or a bundle of it), given with `setPoolWorkerUrl`. Without isolation, without
 * that script, or on a page's main thread (which may not block in Atomics.wait), the engine runs on one thread,
 * with ordinary memory: any page can use it.
 */
import type { Platform, PoolWorkerHandle } from './platform.js';

interface WebWorker {
  postMessage(message: unknown): void;
  addEventListener(type: 'error', listener: (e: { message?: string }) => void): void;
  terminate(): void;
}
type WorkerConstructor = new (url: string | URL, options?: { type?: 'module' | 'classic'; name?: string }) => WebWorker;

const web = globalThis as unknown as {
  Worker?: WorkerConstructor;
  navigator?: { hardwareConcurrency?: number };
  crossOriginIsolated?: boolean;
  document?: unknown;
};

/**
 * The pool worker script: by default `web-pool-worker.js` next to the module holding this code, which is where it
 * is in the package's dist/, and where a bundler should put its bundle of src/platform/web-pool-worker.ts (an entry
 * named `web-pool-worker` in the same output folder as the bundle that holds the engine; web/serve.ts does so).
 */
let poolWorkerUrl: string | URL | null = new URL('./web-pool-worker.js', import.meta.url);

/**
 * Where the pool worker script is (the compiled web-pool-worker.js of this package, or a bundle of it), or null for
 * none. Call before the first multi-threaded kernel; `setThreads(n)` then uses n threads in a Web Worker of an
 * isolated page.
 */
export function setPoolWorkerUrl(url: string | URL | null): void {
  poolWorkerUrl = url;
}

export const webPlatform: Platform = {
  name: 'web',
  cpuCount: () => Math.max(1, web.navigator?.hardwareConcurrency ?? 1),
  defaultThreads: () => 1,
  workersStartWhileBlocked: () => false, // threads in a page are opt-in (setThreads): they need isolation and a worker script
  // a page's main thread may not Atomics.wait; a Web Worker (no document) may
  canBlock: () => web.document === undefined,
  sharedMemory: () => typeof SharedArrayBuffer === 'function' && web.crossOriginIsolated !== false,
  poolWorkerUnavailable() {
    const refuse = (why: string) => ({ why, fallback: false });
    if (!web.Worker) return refuse('this runtime has no Web Workers');
    if (!webPlatform.sharedMemory()) return refuse('the page is not cross-origin isolated (no SharedArrayBuffer): serve it with COOP/COEP headers');
    if (!webPlatform.canBlock()) return refuse("a page's main thread may not block: run the engine in a Web Worker for threads");
    if (poolWorkerUrl === null) return refuse('no pool worker script: call setPoolWorkerUrl(url of web-pool-worker.js or its bundle)');
    return null;
  },
  startPoolWorker(data: object, onStartError: (e: Error) => void): PoolWorkerHandle {
    const no = webPlatform.poolWorkerUnavailable();
    if (no) throw new Error(`pool: ${no.why}`);
    const w = new web.Worker!(poolWorkerUrl!, { type: 'module', name: 'amsunet-pool' });
    w.addEventListener('error', (e) => onStartError(new Error(`pool worker ${String(poolWorkerUrl)}: ${e.message ?? 'failed to load'}`)));
    w.postMessage(data);
    return {
      exited: async () => w.terminate(), // the worker has left its loop (STOP) when this is called
    };
  },
  warn: (message) => console.warn(`amsunet-ts: ${message}`),
  env: () => undefined,
  enableRelaxedSimd: () => {}, // a browser has it on or off; nothing to switch from a page
};
