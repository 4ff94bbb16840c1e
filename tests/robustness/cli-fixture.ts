/** The fixture several CLI robustness files start from: a good dataset and one tiny finished training run on it. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { cli } from './cli-run.js';
import { writeDataset } from './cli-datasets.js';
import { ensureBuilt } from './dist.js';

/** The smallest training run: baseC 4, 16x16 crops, one epoch, one thread. */
export const TINY = ['--base-c', '4', '--size', '16', '--batch-size', '2', '--threads', '1', '--epochs', '1'];

export interface TrainedRun {
  /** a fresh temporary folder holding everything below */
  base: string;
  /** a 6-pair dataset folder (images/, masks/) */
  good: string;
  /** the run's best.safetensors and train_state.safetensors */
  ckpt: string;
  state: string;
}

/** Build the CLI if needed, write the dataset into a new temporary folder (prefix) and train TINY on it. */
export function trainedRun(prefix: string): TrainedRun {
  ensureBuilt();
  const base = mkdtempSync(join(tmpdir(), prefix));
  const good = writeDataset(join(base, 'good'), 6);
  const run = join(base, 'run');
  const r = cli(base, ['train', '--data', good, ...TINY, '--out', run]);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  return { base, good, ckpt: join(run, 'best.safetensors'), state: join(run, 'train_state.safetensors') };
}
