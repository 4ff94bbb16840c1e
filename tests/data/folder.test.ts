import { describe, expect, test, beforeAll } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadFolderDataset, loadEvalFolder } from '../../src/data/folder.js';
import { loadNiftiDataset } from '../../src/data/nifti-dataset.js';
import { encodePng } from '../../src/data/png.js';
import { writePairs, stems, squareMask } from './fixtures.js';
import { encodeNifti } from './nifti-writer.js';

let base: string;
let n = 0;
const fresh = () => {
  const d = join(base, `d${n++}`);
  mkdirSync(d, { recursive: true });
  return d;
};
beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'amsunet-folder-'));
});

describe('folder datasets', () => {
  test('images/ + masks/ matched by stem, seeded 0.2 split, binary masks', () => {
    const d = fresh();
    writePairs(d, stems(10));
    writeFileSync(join(d, 'images', '.DS_Store'), 'junk'); // dotfiles are skipped
    const a = loadFolderDataset(d, { seed: 3 });
    expect([a.train.length, a.val.length, a.channels, a.numClasses]).toEqual([8, 2, 1, 2]);
    const b = loadFolderDataset(d, { seed: 3 });
    expect(b.val.map((s) => s.name)).toEqual(a.val.map((s) => s.name));
    const c = loadFolderDataset(d, { seed: 4, valFraction: 0.5 });
    expect(c.val.length).toBe(5);
    const s = a.train[0];
    expect(s.mask[8 * 16 + 8]).toBe(1); // 255 → 1
    expect(s.mask[0]).toBe(0);
    expect(s.image.length).toBe(16 * 16);
    expect(a.description).toBe(`folder ${d} (8 train, 2 val, 1 channel, 2 classes)`);
  });

  test('train/ and val/ are used as given; eval reads val/', () => {
    const d = fresh();
    writePairs(join(d, 'train'), stems(3, 't').map((p) => ({ ...p, channels: 3 as const })));
    writePairs(join(d, 'val'), stems(2, 'v').map((p) => ({ ...p, channels: 3 as const })));
    const a = loadFolderDataset(d);
    expect(a.train.map((s) => s.name)).toEqual(['t_00', 't_01', 't_02'].map((x) => join(d, 'train', 'images', `${x}.png`)));
    expect(a.val.length).toBe(2);
    expect(a.channels).toBe(3);
    const e = loadEvalFolder(d, 2, 'binary');
    expect(e.samples.map((s) => s.name)).toEqual(a.val.map((s) => s.name));
  });

  test('index masks: ids kept, 255 ignored, class count inferred or given', () => {
    const d = fresh();
    const m = squareMask(16, 16, 2);
    m[0] = 255;
    m[1] = 1;
    writePairs(d, [{ stem: 'a', mask: m }, { stem: 'b', mask: squareMask(16, 16, 1) }]);
    const a = loadFolderDataset(d, { maskMode: 'index' });
    expect(a.numClasses).toBe(3);
    const sa = [...a.train, ...a.val].find((s) => s.name.endsWith('a.png'))!;
    expect([sa.mask[0], sa.mask[1], sa.mask[8 * 16 + 8]]).toEqual([255, 1, 2]);
    expect(loadFolderDataset(d, { maskMode: 'index', classes: 5 }).numClasses).toBe(5);
    expect(() => loadFolderDataset(d, { maskMode: 'index', classes: 2 })).toThrow(
      `${join(d, 'masks', 'a.png')}: mask value 2 at (x 4, y 4) is outside the class range 0..1 (255 = ignore)`,
    );
  });
});

describe('folder dataset errors name the file', () => {
  test('missing folder, file instead of folder, wrong layout, empty folder', () => {
    const missing = join(base, 'nope');
    expect(() => loadFolderDataset(missing)).toThrow(`${missing}: no such folder`);
    const f = join(base, 'afile');
    writeFileSync(f, 'x');
    expect(() => loadFolderDataset(f)).toThrow(`${f}: is a file, not a folder`);
    const d = fresh();
    expect(() => loadFolderDataset(d)).toThrow(`${d}: expected images/ and masks/ folders, or train/ and val/ folders that each hold images/ and masks/ (or a DRIVE or ISIC 2018 folder as downloaded)`);
    mkdirSync(join(d, 'images'));
    mkdirSync(join(d, 'masks'));
    expect(() => loadFolderDataset(d)).toThrow(`${join(d, 'images')}: folder has no image files (.png, .tif, .tiff, .gif, .jpg, .jpeg)`);
    const e = fresh();
    writePairs(e, stems(2));
    rmSync(join(e, 'masks'), { recursive: true });
    expect(() => loadFolderDataset(e)).toThrow(`${join(e, 'masks')}: no such folder`);
  });

  test('image without mask, mask without image', () => {
    const d = fresh();
    writePairs(d, stems(3));
    rmSync(join(d, 'masks', 'case_01.png'));
    expect(() => loadFolderDataset(d)).toThrow(`${join(d, 'images', 'case_01.png')}: image has no mask named case_01.* in ${join(d, 'masks')}`);
    const e = fresh();
    writePairs(e, stems(3));
    rmSync(join(e, 'images', 'case_02.png'));
    expect(() => loadFolderDataset(e)).toThrow(`${join(e, 'masks', 'case_02.png')}: mask has no image named case_02.* in ${join(e, 'images')}`);
  });

  test('non-image files, unknown signatures and truncated files, zero-sized files, unreadable entry', () => {
    const d = fresh();
    writePairs(d, stems(2));
    writeFileSync(join(d, 'images', 'notes.txt'), 'hello');
    expect(() => loadFolderDataset(d)).toThrow(`${join(d, 'images', 'notes.txt')}: not an image file (images and masks are read from .png, .tif, .tiff, .gif, .jpg, .jpeg files; move it out)`);
    rmSync(join(d, 'images', 'notes.txt'));
    writeFileSync(join(d, 'images', 'case_00.png'), 'not an image at all');
    expect(() => loadFolderDataset(d)).toThrow(`${join(d, 'images', 'case_00.png')}: not a PNG, TIFF, GIF or JPEG file (unknown signature)`);
    writeFileSync(join(d, 'images', 'case_00.png'), 'GIF89a not really'); // the bytes decide the format, not the name
    expect(() => loadFolderDataset(d)).toThrow(`${join(d, 'images', 'case_00.png')}: truncated or corrupt GIF (unknown block 0x61 at byte 13)`);
    const good = encodePng(squareMask(16, 16), 16, 16, 1);
    writeFileSync(join(d, 'images', 'case_00.png'), good.subarray(0, good.length - 20));
    expect(() => loadFolderDataset(d)).toThrow(new RegExp(`^${join(d, 'images', 'case_00.png')}: truncated or corrupt PNG`));
    writeFileSync(join(d, 'images', 'case_00.png'), '');
    expect(() => loadFolderDataset(d)).toThrow(`${join(d, 'images', 'case_00.png')}: file is empty (0 bytes), not an image`);
    rmSync(join(d, 'images', 'case_00.png'));
    mkdirSync(join(d, 'images', 'case_00.png'));
    // a folder where a file is expected is skipped, leaving the mask unmatched
    expect(() => loadFolderDataset(d)).toThrow(`${join(d, 'masks', 'case_00.png')}: mask has no image named case_00.* in ${join(d, 'images')}`);
  });

  test('image and mask sizes differ; channel counts differ', () => {
    const d = fresh();
    writePairs(d, [{ stem: 'a' }, { stem: 'b', maskWidth: 12, maskHeight: 16 }]);
    expect(() => loadFolderDataset(d)).toThrow(`${join(d, 'masks', 'b.png')}: mask is 12x16 but its image ${join(d, 'images', 'b.png')} is 16x16`);
    const e = fresh();
    writePairs(e, [{ stem: 'a' }, { stem: 'b', channels: 3 }]);
    expect(() => loadFolderDataset(e)).toThrow(
      `${join(e, 'images', 'b.png')}: image has 3 channel(s) but ${join(e, 'images', 'a.png')} has 1; all images of a dataset need the same channel count`,
    );
  });

  test('index masks: value above 254, all-ignore mask, colour-coded mask; a single image cannot be split', () => {
    const d = fresh();
    writePairs(d, [{ stem: 'a', mask: new Array(256).fill(255) }, { stem: 'b' }]);
    expect(() => loadFolderDataset(d, { maskMode: 'index' })).toThrow(`${join(d, 'masks', 'a.png')}: every pixel is 255 (ignore); the mask has nothing to learn from`);
    const e = fresh();
    writePairs(e, [{ stem: 'a' }]);
    writeFileSync(join(e, 'masks', 'a.png'), encodePng(new Array(256 * 3).fill(0).map((_, i) => (i % 3 === 0 ? 200 : 0)), 16, 16, 3));
    expect(() => loadFolderDataset(e, { maskMode: 'index' })).toThrow(
      `${join(e, 'masks', 'a.png')}: mask is a colour-coded RGB image; index masks must hold class ids in a gray or palette PNG`,
    );
    expect(() => loadFolderDataset(e)).toThrow(`${e}: 1 image(s) cannot be split into training and validation; add more images or a val/ folder`);
  });
});

describe('NIfTI datasets', () => {
  test('non-empty slices become samples; shape mismatch and all-empty masks are errors', () => {
    const d = fresh();
    const [nx, ny, nz] = [8, 6, 5];
    const vals = Array.from({ length: nx * ny * nz }, (_, i) => (i * 13) % 200);
    const mask = vals.map((_, i) => (Math.floor(i / (nx * ny)) % 2 === 1 && i % nx > 3 ? 1 : 0));
    writeFileSync(join(d, 'img.nii.gz'), gzipSync(encodeNifti({ dims: [nx, ny, nz], datatype: 4, values: vals })));
    writeFileSync(join(d, 'mask.nii'), encodeNifti({ dims: [nx, ny, nz], datatype: 2, values: mask }));
    const s = loadNiftiDataset(join(d, 'img.nii.gz'), join(d, 'mask.nii'), { axis: 2, seed: 1, valFraction: 0.5 });
    expect(s.train.length + s.val.length).toBe(2);
    expect(s.train[0].name).toMatch(/img\.nii\.gz#z=[13]$/);
    expect([s.train[0].height, s.train[0].width, s.channels]).toEqual([ny, nx, 1]);
    writeFileSync(join(d, 'small.nii'), encodeNifti({ dims: [nx, ny, 4], datatype: 2, values: mask.slice(0, nx * ny * 4) }));
    expect(() => loadNiftiDataset(join(d, 'img.nii.gz'), join(d, 'small.nii'))).toThrow(
      `${join(d, 'small.nii')}: mask volume is 8x6x4 but image volume ${join(d, 'img.nii.gz')} is 8x6x5`,
    );
    writeFileSync(join(d, 'empty.nii'), encodeNifti({ dims: [nx, ny, nz], datatype: 2, values: mask.map(() => 0) }));
    expect(() => loadNiftiDataset(join(d, 'img.nii.gz'), join(d, 'empty.nii'))).toThrow(`${join(d, 'empty.nii')}: every slice along axis 2 is empty (all zero); nothing to train on`);
  });
});

describe('field-of-view masks', () => {
  test('pixels outside fov/ become 255 (ignored) in both mask modes; missing or mis-sized fov masks are errors', () => {
    const d = fresh();
    writePairs(d, stems(3));
    mkdirSync(join(d, 'fov'));
    const fov = new Array(256).fill(255);
    for (let i = 0; i < 16; i++) fov[i] = 0; // first row outside the field of view
    for (const s of stems(3)) writeFileSync(join(d, 'fov', `${s.stem}.png`), encodePng(fov, 16, 16, 1));
    for (const maskMode of ['binary', 'index'] as const) {
      const a = loadFolderDataset(d, { maskMode, valFraction: 0.34 });
      for (const s of [...a.train, ...a.val]) {
        expect(Array.from(s.mask.subarray(0, 16))).toEqual(new Array(16).fill(255));
        expect(s.mask[8 * 16 + 8]).toBe(maskMode === 'binary' ? 1 : 255);
      }
    }
    writeFileSync(join(d, 'fov', 'case_01.png'), encodePng(fov.slice(0, 128), 16, 8, 1));
    expect(() => loadFolderDataset(d)).toThrow(`${join(d, 'fov', 'case_01.png')}: field-of-view mask is 16x8 but its image ${join(d, 'images', 'case_01.png')} is 16x16`);
    rmSync(join(d, 'fov', 'case_01.png'));
    expect(() => loadFolderDataset(d)).toThrow(`${join(d, 'images', 'case_01.png')}: image has no field-of-view mask named case_01.* in ${join(d, 'fov')}`);
  });
});
