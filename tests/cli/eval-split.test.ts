/**
 * `eval` and the data split a checkpoint records (run `npx tsc -p tsconfig.json` before running this file alone):
 * the held-out part by default, --split train|all, a warning for images the model trained on (found by their
 * pixels under any name), and one-line refusals.
 */
import { describe, expect, test, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writePairs, stems, squareMask } from '../data/fixtures.js';
import { loadSafetensors } from '../../src/io/safetensors.js';

const MAIN = join(process.cwd(), 'dist/src/cli/main.js');
let base: string, data: string, ckpt: string, split: { train: { names: string[] }; val: { names: string[] } };

function cli(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', cwd: base, timeout: 120_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}
const json = (r: { out: string }) => JSON.parse(r.out) as { images: number; scored: { split: string | null; names: string[] }; warning?: string };
/** Eight different images: a line at column i on top of the square. */
const specs = (prefix: string, from = 0) => stems(8, prefix).map((s, i) => ({ ...s, mask: squareMask(16, 16).map((v, p) => (p % 16 === i + from ? 255 : v)) }));

beforeAll(() => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npx tsc -p tsconfig.json first`);
  base = mkdtempSync(join(tmpdir(), 'amsunet-split-'));
  data = join(base, 'data');
  writePairs(data, specs('case'));
  const r = cli('train', '--data', data, '--base-c', '4', '--size', '16', '--batch-size', '2', '--threads', '1', '--epochs', '1', '--out', join(base, 'run'));
  expect(r.code, r.err).toBe(0);
  ckpt = join(base, 'run', 'best.safetensors');
  split = JSON.parse(loadSafetensors(ckpt).metadata['amsunet.data_split']);
  expect(split.val.names.length).toBeGreaterThan(0);
}, 120_000);

describe('eval scores the split a checkpoint was trained with', () => {
  test('no --data, or the training --data: the validation part, named; no warning', () => {
    for (const extra of [[], ['--data', data]]) {
      const r = cli('eval', '--checkpoint', ckpt, '--json', '--threads', '1', ...extra);
      expect(r.err).toBe('');
      expect(json(r)).toMatchObject({ images: split.val.names.length, scored: { split: 'val', names: split.val.names } });
    }
    const text = cli('eval', '--checkpoint', ckpt, '--threads', '1');
    expect(text.out).toContain(`: the validation part\nscored ${split.val.names.length} image`);
    expect(text.out).toContain(split.val.names[0]);
  });

  test('--split train and all score the other parts, with a warning on stderr', () => {
    const train = cli('eval', '--checkpoint', ckpt, '--json', '--threads', '1', '--split', 'train');
    expect(json(train).scored).toEqual({ split: 'train', names: split.train.names });
    const n = split.train.names.length;
    expect(json(train).warning).toBe(`${n} of the ${n} scored images are images the model was trained on: these scores overstate how it does on new images`);
    const all = cli('eval', '--checkpoint', ckpt, '--threads', '1', '--split', 'all');
    expect(all.code).toBe(0);
    expect(all.err).toBe(`warning: ${n} of the 8 scored images are images the model was trained on: these scores overstate how it does on new images\n`);
    expect(all.out).toContain(': the training and validation parts\nscored 8 images');
  });

  test('other data is scored whole; training images in it are found under other names', () => {
    const other = join(base, 'other');
    writePairs(other, specs('new', 8).slice(0, 3)); // three images the model has not seen
    mkdirSync(join(other, 'images'), { recursive: true });
    const trained = split.train.names.slice(0, 2);
    trained.forEach((f, i) => {
      copyFileSync(f, join(other, 'images', `renamed_${i}.png`));
      copyFileSync(f.replace(/images([/\\][^/\\]+)$/, 'masks$1'), join(other, 'masks', `renamed_${i}.png`));
    });
    const r = cli('eval', '--checkpoint', ckpt, '--data', other, '--json', '--threads', '1');
    expect(r.code, r.err).toBe(0);
    expect(json(r)).toMatchObject({ images: 5, scored: { split: null }, warning: '2 of the 5 scored images are images the model was trained on: these scores overstate how it does on new images' });
    const clean = join(base, 'clean');
    writePairs(clean, specs('new', 8).slice(0, 3));
    const c = cli('eval', '--checkpoint', ckpt, '--data', clean, '--threads', '1');
    expect(c.err).toBe('');
    expect(c.out).toContain('scored 3 images');
  });

  test('refusals are one line: --split with other data; a training folder that changed', () => {
    const other = join(base, 'clean');
    let r = cli('eval', '--checkpoint', ckpt, '--data', other, '--split', 'val');
    expect(r.code).toBe(2);
    expect(r.err).toBe(`amsunet eval: --split val: --data ${other} is not the data ${ckpt} was trained on (${data}); without --split every image of it is scored\n`);
    writePairs(data, specs('extra').slice(0, 1));
    r = cli('eval', '--checkpoint', ckpt, '--data', data);
    expect(r.code).toBe(1);
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
    expect(r.err).toContain(`the images differ from the ${split.train.names.length} + ${split.val.names.length} that ${ckpt} was trained and validated on`);
  });
});
