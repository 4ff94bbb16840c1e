/**
 * The paper's datasets as downloaded, through the built command with no conversion step: a DRIVE-shaped folder
 * (TIFF images, GIF manual and field-of-view masks) and an ISIC 2018-shaped folder (JPEG images, PNG ground truth,
 * LICENSE.txt beside them) each train for one tiny epoch, evaluate and predict.
 */
import { describe, expect, test, beforeAll } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../robustness/cli-run.js';
import { ensureBuilt } from '../robustness/dist.js';
import { decodeImage } from '../../src/image/index.js';
import { writeDrive, writeIsic } from './dataset-writers.js';

const TINY = ['--base-c', '4', '--size', '16', '--batch-size', '2', '--threads', '1', '--epochs', '1'];
let base: string;
beforeAll(() => {
  ensureBuilt();
  base = mkdtempSync(join(tmpdir(), 'amsunet-datasets-'));
});

/** train, eval and predict on `data`; returns the three outputs. */
function run(data: string, name: string, predictInput: string, layout: string[] = []) {
  const out = join(base, `${name}-run`), preds = join(base, `${name}-preds`);
  const t = cli(base, ['train', '--data', data, ...layout, ...TINY, '--out', out]);
  expect(t.err, t.out).toBe('');
  expect(t.code).toBe(0);
  const e = cli(base, ['eval', '--checkpoint', join(out, 'best.safetensors'), '--data', data, ...layout, '--threads', '1']);
  expect(e.err, e.out).toBe('');
  expect(e.code).toBe(0);
  const p = cli(base, ['predict', '--checkpoint', join(out, 'best.safetensors'), '--input', predictInput, '--out', preds, '--threads', '1']);
  expect(p.err, p.out).toBe('');
  expect(p.code).toBe(0);
  return { train: t.out, evaluation: e.out, preds };
}

describe('datasets as downloaded, through the CLI', () => {
  test('DRIVE: training/*.tif with 1st_manual/*.gif and mask/*.gif; test/ validates and is scored', () => {
    const d = writeDrive(join(base, 'DRIVE'), { train: 4, test: 2, w: 24, h: 26 });
    const r = run(d, 'drive', join(d, 'test', 'images'));
    expect(r.train).toContain(`DRIVE folder ${d} (4 train, 2 val, 3 channels, 2 classes)`);
    // eval --data of the training folder scores its held-out part (test/), and names the images
    expect(r.evaluation).toContain(`DRIVE folder ${d} (4 train, 2 val, 3 channels, 2 classes): the validation part\nscored 2 images: ${join(d, 'test', 'images', '01_test.tif')}, ${join(d, 'test', 'images', '02_test.tif')}\n`);
    expect(readdirSync(r.preds).sort()).toEqual(['01_test.png', '02_test.png']);
    const mask = decodeImage(readFileSync(join(r.preds, '01_test.png')));
    expect([mask.width, mask.height, mask.channels]).toEqual([24, 26, 1]);
  });

  test('ISIC 2018 Task 1: *_Input/ISIC_*.jpg with *_GroundTruth/ISIC_*_segmentation.png (--layout isic)', () => {
    const d = writeIsic(join(base, 'ISIC'), { train: 5, val: 2 });
    const input = join(d, 'ISIC2018_Task1-2_Validation_Input');
    const r = run(d, 'isic', input, ['--layout', 'isic']);
    expect(r.train).toContain(`ISIC 2018 folder ${d} (5 train, 2 val, 3 channels, 2 classes)`);
    expect(r.evaluation).toContain(`ISIC 2018 folder ${d} (5 train, 2 val, 3 channels, 2 classes): the validation part\nscored 2 images: ${join(input, 'ISIC_0000005.jpg')}, ${join(input, 'ISIC_0000006.jpg')}\n`);
    expect(readdirSync(r.preds).sort()).toEqual(['ISIC_0000005.png', 'ISIC_0000006.png']);
  });

  test('a bad file in a downloaded folder is one line naming it', () => {
    const d = writeDrive(join(base, 'DRIVE-bad'), { train: 3, test: 0, w: 24, h: 26 });
    const gif = join(d, 'training', '1st_manual', '22_manual1.gif');
    const bytes = readFileSync(gif);
    writeFileSync(gif, bytes.subarray(0, bytes.length - 30));
    const r = cli(base, ['train', '--data', d, ...TINY, '--out', join(base, 'bad-run')]);
    expect(r.code).not.toBe(0);
    const lines = r.err.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`${gif.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: truncated or corrupt GIF`));
  });
});
