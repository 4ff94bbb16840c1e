/**
 * End-to-end tests of the built command (npm test builds first; run `npm run build` before running this file
 * alone). Tiny data: 16x16 PNGs, AMSUnet baseC 4, 1-2 epochs.
 */
import { describe, expect, test, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { writePairs, stems, squareMask } from '../data/fixtures.js';
import { encodeNifti } from '../data/nifti-writer.js';
import { readMaskPng } from '../../src/data/png.js';
import { loadSafetensors, saveSafetensors } from '../../src/io/safetensors.js';

const MAIN = join(process.cwd(), 'dist/src/cli/main.js');
let base: string, data: string;

function cli(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', cwd: base, timeout: 120_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const TINY = ['--base-c', '4', '--size', '16', '--batch-size', '2', '--threads', '1'];

beforeAll(() => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first`);
  base = mkdtempSync(join(tmpdir(), 'amsunet-cli-'));
  data = join(base, 'data');
  // Six different images (a line at column i on top of the square), so none is a copy of another.
  writePairs(data, stems(6).map((st, i) => ({ ...st, mask: squareMask(16, 16).map((v, p) => (p % 16 === i ? 255 : v)) })));
});

describe('amsunet train / eval / predict / info', () => {
  let run: string;
  test('train one epoch on a folder dataset writes every output', () => {
    run = join(base, 'run1');
    const r = cli('train', '--data', data, ...TINY, '--epochs', '1', '--out', run);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/epoch 1\/1 +loss \d\.\d{4} +val Dice \d\.\d{4}/);
    for (const f of ['best.safetensors', 'last.safetensors', 'train_state.safetensors', 'metrics.csv', 'curves.svg', 'val_overlays.png', 'summary.json']) {
      expect(existsSync(join(run, f))).toBe(true);
    }
    expect(readdirSync(run).filter((f) => f.includes('.tmp-'))).toEqual([]);
    const s = JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8'));
    expect(s).toMatchObject({ epochs: 1, bestEpoch: 1, complete: true, model: { model: 'amsunet', baseC: 4, inChannels: 1, numClasses: 2, size: 16 } });
    for (const k of ['bestValDice', 'seconds', 'params', 'config']) expect(s).toHaveProperty(k);
    expect(readFileSync(join(run, 'metrics.csv'), 'utf8').trim().split('\n')).toHaveLength(2);
    const meta = loadSafetensors(join(run, 'best.safetensors')).metadata;
    expect(JSON.parse(meta['amsunet.config'])).toMatchObject({ model: 'amsunet', baseC: 4, size: 16 });
  });

  test('--json prints one object per epoch and one at the end', () => {
    const r = cli('train', '--data', data, ...TINY, '--epochs', '2', '--out', join(base, 'runjson'), '--json');
    expect(r.code).toBe(0);
    const objs = r.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(objs.map((o) => o.event)).toEqual(['start', 'epoch', 'epoch', 'end']);
    expect(objs[2]).toMatchObject({ epoch: 2, epochs: 2 });
    expect(typeof objs[3].bestValDice).toBe('number');
  });

  test('eval prints every metric; --json and --csv', () => {
    const r = cli('eval', '--checkpoint', join(run, 'best.safetensors'), '--data', data, '--json', '--csv', join(base, 'per_image.csv'));
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    for (const k of ['dice', 'dicePerClass', 'iouPerClass', 'meanIoU', 'pixelAccuracy', 'sensitivity', 'specificity', 'hd95', 'perImage', 'scored']) expect(j).toHaveProperty(k);
    const held = JSON.parse(loadSafetensors(join(run, 'best.safetensors')).metadata['amsunet.data_split']).val.names;
    expect(j.scored).toEqual({ split: 'val', names: held }); // the training data: its held-out images only
    expect(j.images).toBe(held.length);
    expect(j.dicePerClass).toHaveLength(2);
    const csv = readFileSync(join(base, 'per_image.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('name,dice,iou,pixel_accuracy,sensitivity,specificity,hd95');
    expect(csv).toHaveLength(held.length + 1);
    const text = cli('eval', '--checkpoint', join(run, 'best.safetensors'), '--data', data);
    expect(text.out).toMatch(/Dice \(foreground\) \d\.\d{4}/);
    expect(text.out).toMatch(/HD95 /);
  });

  test('predict writes 0/255 masks and overlays for a folder', () => {
    const out = join(base, 'preds');
    const r = cli('predict', '--checkpoint', join(run, 'best.safetensors'), '--input', join(data, 'images'), '--out', out, '--overlay', '--tta');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(stems(6).flatMap((s) => [`${s.stem}.png`, `${s.stem}_overlay.png`]).sort());
    const m = readMaskPng(join(out, 'case_00.png'));
    expect([m.width, m.height]).toEqual([16, 16]);
    expect([...new Set(m.values)].every((v) => v === 0 || v === 255)).toBe(true);
  });

  test('weights without our metadata (as converted from PyTorch): config read off the shapes, --mean/--std or image statistics', () => {
    const bare = join(base, 'bare.safetensors');
    saveSafetensors(bare, loadSafetensors(join(run, 'best.safetensors')).tensors);
    const p = cli('predict', '--checkpoint', bare, '--mean', '0.4', '--std', '0.2', '--size', '16', '--input', join(data, 'images', 'case_01.png'), '--out', join(base, 'bare-pred'));
    expect(p.err).toBe('');
    expect(p.code).toBe(0);
    expect(existsSync(join(base, 'bare-pred', 'case_01.png'))).toBe(true);
    const e = cli('eval', '--checkpoint', bare, '--data', data, '--size', '16');
    expect(e.code).toBe(0);
    expect(e.out).toContain('note: the checkpoint has no normalisation statistics; using the mean/std of the evaluated images');
    const bad = cli('predict', '--checkpoint', bare, '--mean', '0.4,0.5', '--std', '0.2', '--input', data, '--out', join(base, 'bare-pred2'));
    expect(bad.code).toBe(2);
    expect(bad.err.trim()).toBe(`amsunet predict: --mean needs 1 value (one per input channel of ${bare}), got 2`);
    const nan = cli('predict', '--checkpoint', bare, '--mean', 'x', '--std', '0.2', '--input', data, '--out', join(base, 'bare-pred2'));
    expect(nan.err.trim()).toBe('amsunet predict: --mean must be numbers separated by commas, got "x"');
  });

  test('info reports parameters, MACs and stage shapes', () => {
    const r = cli('info', '--base-c', '4', '--in-channels', '1', '--size', '32', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.stages.map((s: { name: string }) => s.name)).toEqual(['in_conv', 'down1', 'down2', 'down3', 'down4', 'up1', 'up2', 'up3', 'up4', 'out_conv']);
    expect(j.stages[4].outputShape).toEqual([1, 32, 2, 2]);
    expect(j.stages[9].outputShape).toEqual([1, 2, 32, 32]);
    expect(j.params).toBe(j.stages.reduce((a: number, s: { params: number }) => a + s.params, 0));
    expect(j.macs).toBeGreaterThan(0);
    const paper = cli('info', '--size', '32', '--json');
    expect(JSON.parse(paper.out).params).toBe(2619898);
  });

  test('--stop-after then --resume gives bit-identical weights to one uninterrupted run', () => {
    const whole = join(base, 'whole'), split = join(base, 'split');
    expect(cli('train', '--data', data, ...TINY, '--epochs', '2', '--out', whole).code).toBe(0);
    const first = cli('train', '--data', data, ...TINY, '--epochs', '2', '--out', split, '--stop-after', '1');
    expect(first.code).toBe(0);
    expect(first.out).toContain(`resume with: amsunet train --resume ${join(split, 'train_state.safetensors')}`);
    const second = cli('train', '--resume', join(split, 'train_state.safetensors'), '--threads', '1');
    expect(second.err).toBe('');
    expect(second.code).toBe(0);
    const a = loadSafetensors(join(whole, 'last.safetensors')).tensors, b = loadSafetensors(join(split, 'last.safetensors')).tensors;
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [k, t] of a) expect(Buffer.from(b.get(k)!.data.buffer).equals(Buffer.from(t.data.buffer))).toBe(true);
    const csv = (d: string) => readFileSync(join(d, 'metrics.csv'), 'utf8').split('\n').map((l) => l.split(',').slice(0, 5).join(','));
    expect(csv(split)).toEqual(csv(whole));
  });
});

describe('other data sources', () => {
  test('NIfTI volumes: train on non-empty slices, then evaluate on them', () => {
    const [nx, ny, nz] = [20, 18, 6];
    const mask = Array.from({ length: nx * ny * nz }, (_, i) => {
      const x = i % nx, y = Math.floor(i / nx) % ny, z = Math.floor(i / (nx * ny));
      return z > 0 && (x - 10) ** 2 + (y - 9) ** 2 < 16 + z ? 1 : 0;
    });
    const img = mask.map((m, i) => 100 + 400 * m + ((i * 31) % 50));
    writeFileSync(join(base, 'ct.nii.gz'), gzipSync(encodeNifti({ dims: [nx, ny, nz], datatype: 4, values: img })));
    writeFileSync(join(base, 'ct_mask.nii'), encodeNifti({ dims: [nx, ny, nz], datatype: 2, values: mask }));
    const out = join(base, 'nifti-run');
    const r = cli('train', '--data', join(base, 'ct.nii.gz'), '--masks', join(base, 'ct_mask.nii'), '--axis', '2', ...TINY, '--epochs', '1', '--out', out);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('data: NIfTI ct.nii.gz axis 2 (4 train, 1 val, 1 channel, 2 classes)');
    const e = cli('eval', '--checkpoint', join(out, 'best.safetensors'), '--data', join(base, 'ct.nii.gz'), '--masks', join(base, 'ct_mask.nii'), '--json');
    expect(e.code).toBe(0);
    expect(JSON.parse(e.out)).toMatchObject({ images: 1, scored: { split: 'val' } }); // the held-out slice
    expect(JSON.parse(cli('eval', '--checkpoint', join(out, 'best.safetensors'), '--data', join(base, 'ct.nii.gz'), '--masks', join(base, 'ct_mask.nii'), '--json', '--split', 'all').out).images).toBe(5);
  });

  test('index masks with three classes and an ignored border', () => {
    const dir = join(base, 'index');
    const mask = (k: number) => squareMask(16, 16, 1).map((v, i) => (i < 16 ? 255 : v && i % 16 > 7 + (k % 3) ? 2 : v));
    writePairs(dir, stems(5).map((p, k) => ({ ...p, mask: mask(k) })));
    const out = join(base, 'index-run');
    const r = cli('train', '--data', dir, '--mask-mode', 'index', ...TINY, '--epochs', '1', '--out', out, '--json');
    expect(r.code).toBe(0);
    const start = JSON.parse(r.out.split('\n')[0]);
    expect(start.config.numClasses).toBe(3);
    const p = cli('predict', '--checkpoint', join(out, 'best.safetensors'), '--input', join(dir, 'images', 'case_00.png'), '--out', join(base, 'index-pred'));
    expect(p.code).toBe(0);
    expect([...new Set(readMaskPng(join(base, 'index-pred', 'case_00.png')).values)].every((v) => v >= 0 && v <= 2)).toBe(true);
    const bad = cli('train', '--data', dir, '--mask-mode', 'index', '--classes', '2', ...TINY, '--epochs', '1', '--out', join(base, 'never2'));
    expect(bad.code).toBe(1);
    expect(bad.err.trim()).toMatch(/^amsunet train: .*masks\/case_00\.png: mask value 2 at \(x \d+, y \d+\) is outside the class range 0\.\.1 \(255 = ignore\)$/);
    expect(existsSync(join(base, 'never2'))).toBe(false);
  });
});

describe('bad input: exit code, one line on stderr, nothing half-written', () => {
  const oneLine = (err: string) => {
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).not.toMatch(/\n\s+at /);
  };

  test.each([
    [['train', '--lr', '0'], 'amsunet train: --lr must be a number > 0, got "0"'],
    [['train', '--epochs', '0'], 'amsunet train: --epochs must be an integer >= 1, got "0"'],
    [['train', '--batch-size', '0'], 'amsunet train: --batch-size must be an integer >= 1, got "0"'],
    [['train', '--threads', '0'], 'amsunet train: --threads must be an integer >= 1, got "0"'],
    [['train', '--size', '-3'], 'amsunet train: --size must be an integer >= 16 and <= 16384, got "-3"'],
    [['train', '--epochs', 'many'], 'amsunet train: --epochs must be an integer >= 1, got "many"'],
    [['train', '--frobnicate'], 'amsunet train: unknown flag --frobnicate; see amsunet train --help'],
    [['train', '--epoch', '2'], 'amsunet train: unknown flag --epoch (did you mean --epochs?); see amsunet train --help'],
    [['train', '--batch-size', '1', '--size', '16'], 'amsunet train: --size 16 with --batch-size 1 leaves a single value per channel at the 1/16 bottleneck, which BatchNorm cannot train on; use --size 32 or more, or --batch-size 2'],
    [['train', '--classes', '3'], 'amsunet train: --classes is only used with --mask-mode index (binary masks have 2 classes)'],
    [['frobnicate'], 'amsunet: unknown command "frobnicate"; commands: train, eval, predict, info, export, serve, bench, demo (see amsunet --help)'],
  ])('%j → exit 2', (args, message) => {
    const r = cli(...args);
    expect(r.code).toBe(2);
    expect(r.err.trim()).toBe(message);
    oneLine(r.err);
  });

  test('data errors exit 1 naming the file, and create no output folder', () => {
    const out = join(base, 'never');
    const missing = cli('train', '--data', join(base, 'nope'), '--out', out);
    expect(missing.code).toBe(1);
    expect(missing.err.trim()).toBe(`amsunet train: ${join(base, 'nope')}: no such folder`);
    const big = cli('train', '--data', data, '--size', '64', '--out', out);
    expect(big.code).toBe(2);
    expect(big.err.trim()).toBe('amsunet train: --size 64 is larger than every training image (the largest is 16x16); use --size 16 or less');
    const resume = cli('train', '--resume', join(base, 'nothing.safetensors'));
    expect(resume.code).toBe(2);
    expect(resume.err.trim()).toBe(`amsunet train: --resume ${join(base, 'nothing.safetensors')}: no such file`);
    expect(existsSync(out)).toBe(false);
  });

  test('a non-finite loss stops training with the epoch and step, and leaves no folder when nothing was saved', () => {
    const out = join(base, 'nan');
    const r = cli('train', '--data', data, ...TINY, '--epochs', '2', '--lr', '1e12', '--out', out);
    expect(r.code).toBe(1);
    expect(r.err.trim()).toMatch(/^amsunet train: training stopped: the loss is (NaN|Infinity|-Infinity) at epoch 1, step \d+; no epoch finished, nothing was saved; try a lower --lr$/);
    expect(existsSync(out)).toBe(false);
  });

  test('weights: truncated, not a checkpoint, different configuration', () => {
    const bad = join(base, 'bad.safetensors');
    writeFileSync(bad, readFileSync(join(base, 'run1', 'best.safetensors')).subarray(0, 100));
    const t = cli('eval', '--checkpoint', bad, '--data', data);
    expect(t.code).toBe(1);
    expect(t.err).toMatch(new RegExp(`^amsunet eval: ${bad}: .*(truncated|does not fit)`));
    oneLine(t.err);
    const png = join(data, 'images', 'case_00.png');
    const n = cli('predict', '--checkpoint', png, '--input', png, '--out', join(base, 'p2'));
    expect(n.code).toBe(1);
    expect(n.err).toMatch(new RegExp(`^amsunet predict: ${png}: `));
    oneLine(n.err);
    expect(existsSync(join(base, 'p2'))).toBe(false);
    // weights of baseC 4 whose metadata claims baseC 8: every mismatched key is listed with both shapes
    const f = loadSafetensors(join(base, 'run1', 'best.safetensors'));
    const cfg = JSON.parse(f.metadata['amsunet.config']);
    const wrong = join(base, 'wrong.safetensors');
    saveSafetensors(wrong, f.tensors, { metadata: { ...f.metadata, 'amsunet.config': JSON.stringify({ ...cfg, baseC: 8 }) } });
    const w = cli('eval', '--checkpoint', wrong, '--data', data);
    expect(w.code).toBe(1);
    expect(w.err).toMatch(new RegExp(`^amsunet eval: ${wrong}: weights do not fit amsunet baseC 8, 1 input channels, 2 classes: \\d+ problems: `));
    expect(w.err).toMatch(/in_conv\.0\.weight.*\[4, 1, 3, 3\].*\[8, 1, 3, 3\]/);
    oneLine(w.err);
  });
});
