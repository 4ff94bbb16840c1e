/**
 * Flags with an upper bound: sizes <= 16384, --base-c <= 1024, --classes <= 255 (255 is the ignore index),
 * --in-channels <= 64, and `info` refuses a forward pass that would not fit in memory. Without the bounds these
 * cases ended in "internal error: Invalid typed array length" or allocated gigabytes. Expected: one line naming the
 * flag, before any allocation.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { cli, expectCleanFailure, filesIn } from './cli-run.js';
import { ensureBuilt } from './dist.js';

let base: string;
beforeAll(() => {
  ensureBuilt();
  base = mkdtempSync(join(tmpdir(), 'rb-pending-'));
});
afterAll(() => base && rmSync(base, { recursive: true, force: true }));

test.each([
  [['info', '--size', '100000', '--base-c', '4', '--in-channels', '1'], '--size'],
  [['info', '--size', '16x99999999999999999999', '--base-c', '4'], '--size'],
  [['info', '--base-c', '1000000', '--size', '16'], '--base-c'],
  [['info', '--classes', '100000000', '--size', '16', '--base-c', '4'], '--classes'],
  [['train', '--size', '100000', '--base-c', '4', '--epochs', '1'], '--size'],
])('%j is refused naming %s', (args, flag) => {
  const out = join(base, `out-${flag}-${args.length}`);
  const r = cli(base, [...args, ...(args[0] === 'train' ? ['--out', out] : [])], 10_000);
  expectCleanFailure(r, flag);
  expect(filesIn(out)).toEqual([]);
});
