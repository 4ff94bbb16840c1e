/**
 * The Node platform: worker_threads workers, os.availableParallelism, process.env. Node's modules are taken with
 * process.getBuiltinModule (Node >= 20.16) rather than imported, so this file can sit in the platform-neutral core:
 * a bundler for the browser sees no `node:*` import (the bare names 'fs', 'os' ... are what getBuiltinModule takes), and in a browser this code is never called (index.ts checks
 * for Node first).
 */
import type { Platform, PoolWorkerHandle } from './platform.js';
import { startNodeWorker } from './worker-flags.js';

type WorkerThreads = typeof import('node:worker_threads');
type Fs = typeof import('node:fs');
type Url = typeof import('node:url');
type Os = typeof import('node:os');

const builtin = <T>(id: string): T => process.getBuiltinModule(id) as T;

/** The compiled pool worker next to this file; from TypeScript sources (tests), the one in dist/. */
export function nodePoolWorkerScript(): URL | null {
  const { existsSync } = builtin<Fs>('fs'), { fileURLToPath } = builtin<Url>('url');
  const here = new URL('./node-pool-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  const built = new URL(here.href.replace(/\/src\/platform\/node-pool-worker\.js$/, '/dist/src/platform/node-pool-worker.js'));
  return existsSync(fileURLToPath(built)) ? built : null;
}

export const nodePlatform: Platform = {
  name: 'node',
  cpuCount: () => builtin<Os>('os').availableParallelism(),
  canBlock: () => true,
  defaultThreads: () => nodePlatform.cpuCount(),
  workersStartWhileBlocked: () => true,
  sharedMemory: () => typeof SharedArrayBuffer === 'function',
  poolWorkerUnavailable: () =>
    nodePoolWorkerScript() ? null : { why: 'no compiled pool worker (src/platform/node-pool-worker.js): run `npm run build`', fallback: true },
  startPoolWorker(data: object, onStartError: (e: Error) => void): PoolWorkerHandle {
    const { Worker } = builtin<WorkerThreads>('worker_threads');
    const script = nodePoolWorkerScript();
    if (!script) throw new Error(`pool: ${nodePlatform.poolWorkerUnavailable()!.why}`);
    // workers do not inherit flags that would kill them at start (`node --input-type=module -e ...`)
    const w = startNodeWorker(Worker, script, { workerData: data }, process.execArgv);
    let online = false;
    w.once('online', () => (online = true));
    w.on('error', (e) => {
      if (!online) onStartError(e);
    });
    w.unref();
    const exit = new Promise<void>((resolve) => w.once('exit', () => resolve()));
    return {
      exited: () => {
        w.ref();
        return exit;
      },
    };
  },
  warn: (message) => process.emitWarning(message),
  env: (name) => process.env[name],
  enableRelaxedSimd: () => builtin<typeof import('node:v8')>('v8').setFlagsFromString('--experimental-wasm-relaxed-simd'),
};
