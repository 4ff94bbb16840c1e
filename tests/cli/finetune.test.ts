/**
 * Fine-tuning and longer runs (issue 15): `train --init` loads weights with the official names exactly as the
 * library loads them (same logits), strict and not; `train --resume RUN --epochs N` extends a finished run, and
 * with --schedule constant equals, bit for bit, a run asked for N epochs (loop.ts says when that holds).
 * Built command: npm test builds first (run `npm run build` before running this file alone).
 */
import { describe, expect, test, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writePairs, stems, squareMask } from '../data/fixtures.js';
import { loadSafetensors } from '../../src/io/safetensors.js';
import { saveStateDict } from '../../src/io/checkpoint.js';
import { buildModel, type ModelConfig } from '../../src/app/model-config.js';
import { loadModel } from '../../src/app/load-model.js';
import { loadInitWeights } from '../../src/app/train/init.js';
import { manualSeed, randn, noGrad } from '../../src/index.js';

const MAIN = join(process.cwd(), 'dist/src/cli/main.js');
const TINY = ['--base-c', '4', '--size', '16', '--batch-size', '2', '--threads', '1'];
let base: string, data: string;

function cli(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', cwd: base, timeout: 120_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

beforeAll(() => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first`);
  base = mkdtempSync(join(tmpdir(), 'amsunet-finetune-'));
  data = join(base, 'data');
  writePairs(data, stems(6).map((st, i) => ({ ...st, mask: squareMask(16, 16).map((v, p) => (p % 16 === i ? 255 : v)) })));
});

const config: ModelConfig = { model: 'amsunet', inChannels: 3, numClasses: 2, baseC: 4, size: 16, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25], maskMode: 'binary' };

describe('train --init', () => {
  test('weights with the official names, as a converted PyTorch checkpoint has them (no metadata): the init path gives the same logits as loadModel', () => {
    const file = join(base, 'official.safetensors');
    saveStateDict(file, buildModel(config, 7)); // state_dict names only, like `save_file(model.state_dict())`
    const viaInit = buildModel(config, 0);
    const report = loadInitWeights(viaInit, config, file, true);
    expect(report.skipped).toEqual([]);
    const viaLibrary = loadModel(file).model; // config read from the weight shapes
    manualSeed(1);
    const x = randn([1, 3, 16, 16]);
    viaInit.eval();
    viaLibrary.eval();
    const a = noGrad(() => (viaInit.forward(x) as ReturnType<typeof randn>)).data, b = noGrad(() => (viaLibrary.forward(x) as ReturnType<typeof randn>)).data;
    expect(a.length).toBe(2 * 16 * 16);
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  test('strict refuses weights of another class count naming the keys; --init-strict false loads the rest and lists what it skipped', () => {
    const file = join(base, 'three-classes.safetensors');
    saveStateDict(file, buildModel({ ...config, numClasses: 3 }, 3));
    const strict = cli('train', '--data', data, ...TINY, '--epochs', '1', '--out', join(base, 'strict'), '--init', file);
    expect(strict.code).not.toBe(0);
    expect(strict.err.trim().split('\n')).toHaveLength(1);
    expect(strict.err).toMatch(/--init weights do not fit amsunet baseC 4.*out_conv.*--init-strict false/);
    const loose = cli('train', '--data', data, ...TINY, '--epochs', '1', '--out', join(base, 'loose'), '--init', file, '--init-strict', 'false');
    expect(loose.err).toBe('');
    expect(loose.code).toBe(0);
    expect(loose.out).toMatch(/out_conv\.\S+ \(checkpoint \[3/);
  });
});

describe('train --resume RUN --epochs N', () => {
  test('extends a finished run; with --schedule constant the result equals a run asked for 3 epochs, bit for bit', () => {
    const whole = join(base, 'whole3'), extended = join(base, 'ext');
    const common = ['--data', data, ...TINY, '--schedule', 'constant'];
    expect(cli('train', ...common, '--epochs', '3', '--out', whole).code).toBe(0);
    expect(cli('train', ...common, '--epochs', '2', '--out', extended).code).toBe(0);
    const more = cli('train', '--resume', extended, '--epochs', '3', '--threads', '1');
    expect(more.err).toBe('');
    expect(more.code).toBe(0);
    expect(more.out).toMatch(/schedule re-planned for 3 epochs/);
    expect(JSON.parse(readFileSync(join(extended, 'summary.json'), 'utf8'))).toMatchObject({ epochs: 3, complete: true });
    const a = loadSafetensors(join(whole, 'last.safetensors')).tensors, b = loadSafetensors(join(extended, 'last.safetensors')).tensors;
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [k, t] of a) expect(Buffer.from(b.get(k)!.data.buffer).equals(Buffer.from(t.data.buffer)), k).toBe(true);
  });
});
