/**
 * An output path that cannot be written (--out that is a file or lies under a file, --csv in a missing folder) is
 * one line naming the flag and the user's path, checked before the work starts; not an fs error naming the
 * temporary file of the atomic write ("x.csv.tmp-<pid>").
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { cli, expectCleanFailure } from './cli-run.js';
import { pairPath, writeDataset } from './cli-datasets.js';
import { ensureBuilt } from './dist.js';

let base: string, data: string, ckpt: string, file: string;
beforeAll(() => {
  ensureBuilt();
  base = mkdtempSync(join(tmpdir(), 'rb-pending-'));
  data = writeDataset(join(base, 'data'), 6);
  expect(cli(base, ['train', '--data', data, '--base-c', '4', '--size', '16', '--threads', '1', '--epochs', '1', '--out', join(base, 'run')]).code).toBe(0);
  ckpt = join(base, 'run', 'best.safetensors');
  file = join(base, 'a-file');
  writeFileSync(file, 'x');
});
afterAll(() => base && rmSync(base, { recursive: true, force: true }));

test.each([
  ['eval --csv in a missing folder', () => ['eval', '--checkpoint', ckpt, '--data', data, '--csv', join(base, 'missing', 'x.csv')], () => join(base, 'missing', 'x.csv')],
  ['eval --csv under a file', () => ['eval', '--checkpoint', ckpt, '--data', data, '--csv', join(file, 'x.csv')], () => join(file, 'x.csv')],
  ['predict --out that is a file', () => ['predict', '--checkpoint', ckpt, '--input', pairPath(data, 'images', 0), '--out', file], () => file],
  ['predict --out under a file', () => ['predict', '--checkpoint', ckpt, '--input', pairPath(data, 'images', 0), '--out', join(file, 'sub')], () => join(file, 'sub')],
  ['train --out under a file', () => ['train', '--data', data, '--base-c', '4', '--size', '16', '--threads', '1', '--epochs', '1', '--out', join(file, 'sub')], () => join(file, 'sub')],
])('%s is one line naming the path', (_what, args, path) => {
  const line = expectCleanFailure(cli(base, args()), path());
  expect(line).not.toMatch(/\.tmp-\d+/);
});
