/** --threads for the commands: the engine's worker count (main thread included). */
import { setThreads as setBackendThreads, getThreads as getBackendThreads, getBackend } from '../backend/index.js';
import { UsageError } from './errors.js';

export function setThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--threads must be an integer >= 1, got ${n}`);
  try {
    setBackendThreads(n);
  } catch (e) {
    throw new UsageError(`--threads ${n}: ${(e as Error).message.replace(/^setThreads: /, '')}`);
  }
}

export function engineInfo(): { threads: number; backend: string } {
  return { threads: getBackendThreads(), backend: getBackend() };
}
