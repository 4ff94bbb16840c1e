/**
 * Small on-disk copies of the paper's datasets as they are downloaded, for the layout and CLI tests:
 *   DRIVE:  training/{images/NN_training.tif, 1st_manual/NN_manual1.gif, mask/NN_training_mask.gif}, test/ likewise
 *   ISIC 2018 Task 1: ISIC2018_Task1-2_Training_Input/ISIC_NNNNNNN.jpg (+ LICENSE.txt, ATTRIBUTION.txt),
 *                     ISIC2018_Task1_Training_GroundTruth/ISIC_NNNNNNN_segmentation.png, and _Validation_ likewise
 * The files come from the independent test writers in tests/image (TIFF LZW with the predictor in several strips,
 * interlaced GIF, baseline 4:2:0 JPEG).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodePng } from '../../src/image/index.js';
import { encodeTiff } from '../image/tiff-writer.js';
import { encodeGif } from '../image/gif-writer.js';
import { encodeJpeg } from '../image/jpeg-writer.js';

const GRAYS = Array.from({ length: 256 }, (_, i) => [i, i, i] as [number, number, number]);

/** A vessel-like pattern: a few bright lines, 255 on 0. */
function vessels(w: number, h: number, seed: number): number[] {
  const m = new Array<number>(w * h).fill(0);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const a = Math.abs(((x + seed * 3) % 11) - 5) < 1 || Math.abs(((y + x / 2 + seed) % 13) - 6) < 1;
      m[y * w + x] = a ? 255 : 0;
    }
  }
  return m;
}

/** The round field of view of a fundus photograph: 255 inside, 0 outside. */
function fieldOfView(w: number, h: number): number[] {
  return Array.from({ length: w * h }, (_, i) => (((i % w) - w / 2 + 0.5) ** 2 + (Math.floor(i / w) - h / 2 + 0.5) ** 2 <= (Math.min(w, h) / 2) ** 2 ? 255 : 0));
}

/** An RGB picture that shows its mask (reddish fundus, darker where the mask is set), with texture. */
function rgbFor(mask: number[], fov: number[] | null, w: number, h: number): Uint8Array {
  const px = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) {
    const inside = fov ? fov[i] > 0 : true;
    const base = inside ? (mask[i] ? 70 : 190) : 5;
    px[i * 3] = base + ((i * 7) % 13);
    px[i * 3 + 1] = Math.floor(base / 2) + ((i * 5) % 11);
    px[i * 3 + 2] = Math.floor(base / 4);
  }
  return px;
}

/** Write DRIVE's training/ (and test/ unless `test` is 0) with w x h images. */
export function writeDrive(root: string, o: { train?: number; test?: number; w?: number; h?: number } = {}): string {
  const w = o.w ?? 24, h = o.h ?? 26;
  const sets: [string, number, number][] = [['training', o.train ?? 4, 21], ['test', o.test ?? 2, 1]];
  for (const [set, n, first] of sets) {
    if (n === 0) continue;
    for (const d of ['images', '1st_manual', 'mask']) mkdirSync(join(root, set, d), { recursive: true });
    for (let k = 0; k < n; k++) {
      const id = String(first + k).padStart(2, '0');
      const manual = vessels(w, h, first + k), fov = fieldOfView(w, h);
      const rgb = rgbFor(manual, fov, w, h);
      writeFileSync(join(root, set, 'images', `${id}_${set}.tif`), encodeTiff({ width: w, height: h, spp: 3, bits: 8, samples: rgb, compression: 'lzw', predictor: true, rowsPerStrip: 5 }));
      writeFileSync(join(root, set, '1st_manual', `${id}_manual1.gif`), encodeGif({ width: w, height: h, indices: manual, palette: GRAYS, interlaced: true }));
      writeFileSync(join(root, set, 'mask', `${id}_${set}_mask.gif`), encodeGif({ width: w, height: h, indices: fov, palette: GRAYS }));
    }
  }
  return root;
}

/** A lesion-like blob: 255 inside an ellipse, 0 outside. */
function lesion(w: number, h: number, seed: number): number[] {
  const cx = w / 2 + (seed % 5) - 2, cy = h / 2 + (seed % 3) - 1, rx = w / 3, ry = h / 4;
  return Array.from({ length: w * h }, (_, i) => (((i % w) - cx) ** 2 / rx ** 2 + (Math.floor(i / w) - cy) ** 2 / ry ** 2 <= 1 ? 255 : 0));
}

/** Write the ISIC 2018 Task 1 training (and validation unless `val` is 0) folders, images of varying size. */
export function writeIsic(root: string, o: { train?: number; val?: number } = {}): string {
  const sets: [string, number][] = [['Training', o.train ?? 5], ['Validation', o.val ?? 2]];
  let id = 0;
  for (const [split, n] of sets) {
    if (n === 0) continue;
    const input = join(root, `ISIC2018_Task1-2_${split}_Input`), truth = join(root, `ISIC2018_Task1_${split}_GroundTruth`);
    mkdirSync(input, { recursive: true });
    mkdirSync(truth, { recursive: true });
    for (const d of [input, truth]) {
      writeFileSync(join(d, 'LICENSE.txt'), 'CC-BY-NC\n');
      writeFileSync(join(d, 'ATTRIBUTION.txt'), 'ISIC Archive\n');
    }
    for (let k = 0; k < n; k++, id++) {
      const w = 30 + (k % 3) * 4, h = 22 + (k % 2) * 6;
      const name = `ISIC_${String(id).padStart(7, '0')}`;
      const mask = lesion(w, h, id);
      const rgb = rgbFor(mask, null, w, h);
      writeFileSync(join(input, `${name}.jpg`), encodeJpeg({ width: w, height: h, channels: 3, pixels: rgb, sampling: [2, 2], q: 4 }));
      writeFileSync(join(truth, `${name}_segmentation.png`), encodePng(mask, w, h, 1));
    }
  }
  return root;
}
