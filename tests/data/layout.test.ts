import { describe, expect, test, beforeAll } from 'vitest';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFolderDataset, loadEvalFolder } from '../../src/data/folder.js';
import { detectLayout } from '../../src/data/layout.js';
import { readMask, maskValues } from '../../src/data/image-file.js';
import { decodeImage } from '../../src/image/index.js';
import { writeDrive, writeIsic } from './dataset-writers.js';
import { encodeJpeg } from '../image/jpeg-writer.js';
import { encodeTiff } from '../image/tiff-writer.js';
import { writePairs, stems } from './fixtures.js';

let base: string;
let n = 0;
const fresh = () => {
  const d = join(base, `l${n++}`);
  mkdirSync(d, { recursive: true });
  return d;
};
beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'amsunet-layout-'));
});

describe('DRIVE as downloaded', () => {
  test('training/ trains and test/ validates; pairs by number; the field of view is ignored (255)', () => {
    const d = writeDrive(fresh());
    expect(detectLayout(d)).toBe('drive');
    const s = loadFolderDataset(d);
    expect(s.description).toBe(`DRIVE folder ${d} (4 train, 2 val, 3 channels, 2 classes)`);
    expect(s.train.map((x) => x.name)).toEqual(['21', '22', '23', '24'].map((k) => join(d, 'training', 'images', `${k}_training.tif`)));
    expect(s.val.map((x) => x.name)).toEqual(['01', '02'].map((k) => join(d, 'test', 'images', `${k}_test.tif`)));
    const first = s.train[0];
    expect(first.mask[0]).toBe(255); // the corner lies outside the round field of view
    const fg = Array.from(first.mask).filter((v) => v === 1).length, bg = Array.from(first.mask).filter((v) => v === 0).length;
    expect(fg).toBeGreaterThan(10);
    expect(bg).toBeGreaterThan(10);
    expect(loadFolderDataset(d, { layout: 'drive' }).train.length).toBe(4);
    // evaluation scores test/
    const e = loadEvalFolder(d, 2, 'binary');
    expect(e.description).toBe(`DRIVE folder ${join(d, 'test', 'images')}`);
    expect(e.samples.map((x) => x.name)).toEqual(s.val.map((x) => x.name));
  });

  test('training/ alone splits by --val-fraction; the folder itself may be training/; a missing manual or field of view is named', () => {
    const d = writeDrive(fresh(), { train: 5, test: 0 });
    const s = loadFolderDataset(d, { valFraction: 0.4, seed: 1 });
    expect([s.train.length, s.val.length]).toEqual([3, 2]);
    expect(loadFolderDataset(join(d, 'training'), { valFraction: 0.4 }).train.length).toBe(3);
    expect(() => loadEvalFolder(d, 2, 'binary')).toThrow(`${d}: the DRIVE layout needs test/images and test/1st_manual (or a folder holding images/ and 1st_manual/)`);
    rmSync(join(d, 'training', '1st_manual', '22_manual1.gif'));
    expect(() => loadFolderDataset(d)).toThrow(`${join(d, 'training', 'images', '22_training.tif')}: image has no mask for "22" in ${join(d, 'training', '1st_manual')}`);
    const f = writeDrive(fresh(), { train: 3, test: 0 });
    rmSync(join(f, 'training', 'mask', '23_training_mask.gif'));
    expect(() => loadFolderDataset(f)).toThrow(`${join(f, 'training', 'images', '23_training.tif')}: image has no field-of-view mask for "23" in ${join(f, 'training', 'mask')}`);
  });

  test('--layout drive on a plain folder says what it needs', () => {
    const d = fresh();
    writePairs(d, stems(3));
    expect(() => loadFolderDataset(d, { layout: 'drive' })).toThrow(`${d}: the DRIVE layout needs ${join(d, 'training', 'images')} and ${join(d, 'training', '1st_manual')}`);
  });
});

describe('ISIC 2018 Task 1 as downloaded', () => {
  test('Training trains, Validation validates and is what eval scores; text files are skipped; masks pair by _segmentation', () => {
    const d = writeIsic(fresh());
    expect(detectLayout(d)).toBe('isic');
    const s = loadFolderDataset(d);
    expect(s.description).toBe(`ISIC 2018 folder ${d} (5 train, 2 val, 3 channels, 2 classes)`);
    expect(s.train[0].name).toBe(join(d, 'ISIC2018_Task1-2_Training_Input', 'ISIC_0000000.jpg'));
    const sizes = new Set(s.train.map((x) => `${x.width}x${x.height}`));
    expect(sizes.size).toBeGreaterThan(1); // images of different sizes, as ISIC's are
    for (const x of s.train) {
      const ones = Array.from(x.mask).filter((v) => v === 1).length;
      expect(ones).toBeGreaterThan(x.mask.length / 10);
      expect(ones).toBeLessThan(x.mask.length / 2);
    }
    const e = loadEvalFolder(d, 2, 'binary');
    expect(e.description).toBe(`ISIC 2018 folder ${join(d, 'ISIC2018_Task1-2_Validation_Input')}`);
    expect(e.samples.length).toBe(2);
  });

  test('without a Validation folder, Training is split; a ground truth without its image is named', () => {
    const d = writeIsic(fresh(), { train: 5, val: 0 });
    expect(loadFolderDataset(d, { valFraction: 0.4 }).val.length).toBe(2);
    rmSync(join(d, 'ISIC2018_Task1-2_Training_Input', 'ISIC_0000003.jpg'));
    const gt = join(d, 'ISIC2018_Task1_Training_GroundTruth');
    expect(() => loadFolderDataset(d)).toThrow(`${join(gt, 'ISIC_0000003_segmentation.png')}: mask has no image for "ISIC_0000003" in ${join(d, 'ISIC2018_Task1-2_Training_Input')}`);
  });
});

describe('formats in the plain layout', () => {
  test('TIFF images with JPEG masks: a JPEG mask is thresholded at 128 to 0/1', () => {
    const d = fresh();
    writePairs(d, stems(3));
    for (const s of stems(3)) {
      const png = join(d, 'masks', `${s.stem}.png`);
      const m = readMask(png);
      rmSync(png);
      const px = Array.from(m.values, (v, i) => (v ? 240 : 12) + (i % 5)); // lossy-looking values near 0 and 255
      writeFileSync(join(d, 'masks', `${s.stem}.jpg`), encodeJpeg({ width: 16, height: 16, channels: 1, pixels: px, q: 3 }));
      const img = join(d, 'images', `${s.stem}.png`);
      const planes = decodeImage(readFileSync(img));
      rmSync(img);
      writeFileSync(join(d, 'images', `${s.stem}.tiff`), encodeTiff({ width: 16, height: 16, spp: 1, bits: 8, samples: planes.data, compression: 'deflate' }));
    }
    const a = loadFolderDataset(d, { valFraction: 0.34 });
    const x = a.train[0];
    expect(x.mask[8 * 16 + 8]).toBe(1);
    expect(x.mask[0]).toBe(0);
    expect(new Set(Array.from(x.mask))).toEqual(new Set([0, 1]));
    // index mode too: a JPEG mask gives classes 0 and 1, never 255 (ignore)
    expect(loadFolderDataset(d, { maskMode: 'index', valFraction: 0.34 }).numClasses).toBe(2);
  });

  test('mask values: RGB JPEG masks are not flagged as coloured; palette PNGs keep indices', () => {
    const rgb = encodeJpeg({ width: 8, height: 8, channels: 3, pixels: Array.from({ length: 192 }, (_, i) => (i % 3 === 0 ? 250 : 10)), q: 2 });
    const m = maskValues(decodeImage(rgb, 'm.jpg'));
    expect(m.coloured).toBe(false);
    expect(new Set(Array.from(m.values))).toEqual(new Set([1]));
  });

  test('two files with the same stem are an error naming both', () => {
    const d = fresh();
    writePairs(d, stems(2));
    renameSync(join(d, 'masks', 'case_01.png'), join(d, 'masks', 'case_01.gif'));
    writeFileSync(join(d, 'masks', 'case_01.png'), 'x');
    expect(() => loadFolderDataset(d)).toThrow(`${join(d, 'masks', 'case_01.png')}: two files have the key "case_01": case_01.gif and case_01.png; keep one`);
  });
});
