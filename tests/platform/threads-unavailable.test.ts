/**
 * When threads cannot run, the platform says why and whether that is a refusal or a fallback: setThreads(n > 1)
 * throws the reason for a refusal (a page that is not cross-origin isolated); for a fallback (no compiled pool
 * worker next to the TypeScript sources) it is accepted, and the engine runs on one thread with one warning.
 */
import { afterEach, expect, test } from 'vitest';
import { platform, setPlatform, type Platform } from '../../src/platform/index.js';
import { nodePlatform } from '../../src/platform/node.js';
import { getPool, getThreads, setThreads } from '../../src/backend/runtime.js';

const original = platform();
afterEach(() => {
  setPlatform(original);
  setThreads(1);
});

function without(fallback: boolean, warnings: string[]): Platform {
  return {
    ...nodePlatform,
    poolWorkerUnavailable: () => ({ why: 'no workers in this test', fallback }),
    startPoolWorker: () => {
      throw new Error('must not be called');
    },
    warn: (m) => void warnings.push(m),
  };
}

test('a refusal: setThreads(2) throws naming the op, the count and the reason; the thread count is unchanged', () => {
  setThreads(1);
  setPlatform(without(false, []));
  expect(() => setThreads(2)).toThrow(/setThreads.*2 threads: no workers in this test/);
  expect(getThreads()).toBe(1);
});

test('a fallback: setThreads(2) is accepted, the pool runs one thread and warns once', () => {
  const warnings: string[] = [];
  setThreads(1);
  setPlatform(without(true, warnings));
  setThreads(2);
  expect(getPool().size).toBe(1);
  expect(getPool().size).toBe(1);
  expect(warnings.filter((w) => w.includes('running on 1 thread: no workers in this test'))).toHaveLength(1);
});
