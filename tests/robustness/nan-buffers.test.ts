/**
 * "a non-finite loss ... keeps the last good checkpoint, and never writes NaN weights over it": the finiteness check
 * before saving covers every float tensor of the state dict, buffers included. A diverging epoch whose loss is
 * still finite (~1e17) can leave BatchNorm running_var at Infinity; that must stop the run, not be saved.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { loadSafetensors } from '../../src/io/safetensors.js';
import { cli } from './cli-run.js';
import { writeDataset } from './cli-datasets.js';
import { ensureBuilt } from './dist.js';

const base = mkdtempSync(join(tmpdir(), 'rb-pending-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

test('whatever a diverging run saved holds only finite numbers, buffers included', () => {
  ensureBuilt();
  const data = writeDataset(join(base, 'data'), 16);
  const dir = join(base, 'nan');
  const r = cli(base, ['train', '--data', data, '--base-c', '4', '--size', '16', '--batch-size', '2', '--epochs', '4', '--seed', '3', '--threads', '1', '--lr', '1e3', '--out', dir]);
  expect(r.code).toBe(1);
  expect(r.err).toMatch(/training stopped: (the loss is NaN|non-finite weights)/);
  for (const f of ['last.safetensors', 'best.safetensors', 'train_state.safetensors']) {
    let tensors;
    try {
      tensors = loadSafetensors(join(dir, f)).tensors;
    } catch {
      continue; // nothing saved is fine
    }
    const bad = [...tensors].filter(([, t]) => !t.data.every(Number.isFinite)).map(([k]) => k);
    expect(bad, f).toEqual([]);
  }
});
