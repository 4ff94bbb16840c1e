/**
 * Checkpoints that are valid .safetensors files but carry malformed metadata (the stored model config, the training
 * state, the optimizer and scheduler records) fail with one line naming the file and the field; before the checks
 * they gave "internal error: <JSON.parse message>" without the file name, a model error without it, or success
 * with nonsense results ("Dice inf").
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadSafetensors, saveSafetensors } from '../../src/io/safetensors.js';
import { cli, expectCleanFailure, filesIn } from './cli-run.js';
import { pairPath } from './cli-datasets.js';
import { TINY, trainedRun } from './cli-fixture.js';

let base: string, good: string, ckpt: string, state: string;
let n = 0;
const fresh = (name: string) => join(base, `${name}-${n++}`);

beforeAll(() => void ({ base, good, ckpt, state } = trainedRun('rb-pending-')));
afterAll(() => base && rmSync(base, { recursive: true, force: true }));

describe('malformed metadata', () => {
  test.each([
    ['not JSON', '{"model": "amsunet", '],
    ['baseC 2', { baseC: 2 }],
    ['an unknown model', { model: 'resnet' }],
    ['a JSON array', '[1, 2]'],
    ['no numClasses', { numClasses: undefined }],
  ] as const)('a checkpoint whose stored configuration is malformed: %s', (_what, change) => {
    const f = loadSafetensors(ckpt);
    const cfg = JSON.parse(f.metadata['amsunet.config']) as Record<string, unknown>;
    const value = typeof change === 'string' ? change : JSON.stringify({ ...cfg, ...change });
    const file = join(fresh('w'), 'config.safetensors');
    mkdirSync(join(file, '..'));
    saveSafetensors(file, f.tensors, { metadata: { ...f.metadata, 'amsunet.config': value } });
    expectCleanFailure(cli(base, ['eval', '--checkpoint', file, '--data', good]), file);
    expectCleanFailure(cli(base, ['predict', '--checkpoint', file, '--input', pairPath(good, 'images', 0), '--out', fresh('pred')]), file);
  });

  test.each([
    ['amsunet.train_state', '{"config": '],
    ['amsunet.train_state', '{"config": {"epochs": "many"}}'],
    ['optimizer', 'not json'],
    ['optimizer', '{"name": "AdamW"}'],
    ['scheduler', '{"lastStep": '],
  ] as const)('--resume of a training state whose %s record is malformed: %s', (key, value) => {
    const f = loadSafetensors(state);
    const dir = fresh('state');
    mkdirSync(dir);
    const file = join(dir, 'train_state.safetensors');
    saveSafetensors(file, f.tensors, { metadata: { ...f.metadata, [key]: value } });
    const before = filesIn(dir);
    expectCleanFailure(cli(base, ['train', '--resume', file, '--threads', '1']), file);
    expect(filesIn(dir)).toEqual(before);
  });
});
