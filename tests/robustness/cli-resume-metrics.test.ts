/**
 * After Ctrl-C in the middle of an epoch, `--resume` continues with bit-identical weights and metrics.csv equals an
 * uninterrupted run: the training state carries that epoch's loss sum and step count, so its train_loss averages
 * every step, not only those after the resume.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadSafetensors } from '../../src/io/safetensors.js';
import { cli, cliAsync } from './cli-run.js';
import { writeDataset } from './cli-datasets.js';
import { ensureBuilt } from './dist.js';

const RUN = ['--base-c', '4', '--size', '16', '--batch-size', '2', '--epochs', '3', '--seed', '3', '--threads', '1'];
let base: string, data: string, whole: string;
beforeAll(() => {
  ensureBuilt();
  base = mkdtempSync(join(tmpdir(), 'rb-pending-'));
  data = writeDataset(join(base, 'data'), 30);
  whole = join(base, 'whole');
  expect(cli(base, ['train', '--data', data, ...RUN, '--out', whole]).code).toBe(0);
});
afterAll(() => base && rmSync(base, { recursive: true, force: true }));

const metrics = (dir: string) => readFileSync(join(dir, 'metrics.csv'), 'utf8').trim().split('\n').map((l) => l.split(',').slice(0, 5).join(','));
const done = (dir: string) => { try { return readFileSync(join(dir, 'metrics.csv'), 'utf8').trim().split('\n').length - 1; } catch { return 0; } };

test('Ctrl-C mid-epoch, then --resume: metrics.csv equals the uninterrupted run', async () => {
  for (let attempt = 0; attempt < 5; attempt++) {
    const dir = join(base, `int-${attempt}`);
    const run = cliAsync(base, ['train', '--data', data, ...RUN, '--out', dir]);
    while (done(dir) < 1 && run.child.exitCode === null) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 150 + 60 * attempt));
    run.child.kill('SIGINT');
    expect((await run.done).code).toBe(130);
    const state = join(dir, 'train_state.safetensors');
    if (JSON.parse(loadSafetensors(state).metadata['amsunet.train_state']).step === 0) continue; // landed on an epoch boundary
    expect(cli(base, ['train', '--resume', state, '--threads', '1']).code).toBe(0);
    expect(metrics(dir)).toEqual(metrics(whole));
    return;
  }
  throw new Error('never interrupted mid-epoch');
});
