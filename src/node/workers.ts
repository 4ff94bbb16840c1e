/**
 * Starting worker_threads workers that work whatever the parent was started with. A worker inherits the parent's
 * execArgv by default, and some flags make every worker die at start (`node --input-type=module -e ...` gives
 * ERR_INPUT_TYPE_NOT_ALLOWED): those are left out. Other flags (--max-old-space-size, --expose-gc, --import ...)
 * are kept.
 */
import { existsSync } from 'node:fs';
import { workerExecArgv as withoutMainOnlyFlags } from '../platform/worker-flags.js';
import { fileURLToPath } from 'node:url';

/** The parent's execArgv without the flags that would kill a worker (a flag's separate value goes with it). */
export function workerExecArgv(execArgv: readonly string[] = process.execArgv): string[] {
  return withoutMainOnlyFlags(execArgv);
}

/** The compiled worker next to the caller; from TypeScript sources (tests), the one in dist/. */
export function workerScript(here: URL, relative: string): URL {
  if (existsSync(fileURLToPath(here))) return here;
  const built = new URL(here.href.replace(/\/src\/.*$/, `/dist/src/${relative}`));
  if (existsSync(fileURLToPath(built))) return built;
  throw new Error(`no compiled worker script ${relative} (run \`npm run build\`)`);
}

/** A worker's start failure as an error naming the cause and what the worker was started with. */
export function workerStartError(what: string, cause: Error & { code?: string }): Error {
  const flags = workerExecArgv();
  const how = flags.length ? `with execArgv ${JSON.stringify(flags)}` : 'with no execArgv';
  return Object.assign(new Error(`${what}: the worker could not start (${how}): ${cause.code ? `${cause.code}: ` : ''}${cause.message}`), { cause });
}
