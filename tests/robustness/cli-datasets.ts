/** Tiny PNG and NIfTI datasets on disk for the CLI robustness tests (16x16, a disc to segment). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodePngSpec } from './png-build.js';

export interface PairOptions {
  size?: number;
  channels?: 1 | 3;
  /** Raw mask values for this pair; default a disc of 255 on 0. */
  mask?: (x: number, y: number) => number;
}

export function disc(size: number, k = 0): (x: number, y: number) => number {
  return (x, y) => ((x - size / 2 - (k % 3)) ** 2 + (y - size / 2) ** 2 < (size / 4) ** 2 ? 255 : 0);
}

export function imagePng(size: number, channels: 1 | 3, k: number, w = size, h = size): Buffer {
  const on = disc(size, k);
  const samples: number[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = on(x, y) ? 190 : 60 + ((x * 7 + y * 13 + k) % 20);
      for (let c = 0; c < channels; c++) samples.push(v - c * 10);
    }
  }
  return encodePngSpec({ width: w, height: h, colorType: channels === 3 ? 2 : 0, bitDepth: 8, samples });
}

export function maskPng(size: number, values: (x: number, y: number) => number, w = size, h = size): Buffer {
  const samples: number[] = [];
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) samples.push(values(x, y));
  return encodePngSpec({ width: w, height: h, colorType: 0, bitDepth: 8, samples });
}

/** dir/images/case_NN.png + dir/masks/case_NN.png for n pairs; `override(k)` changes single pairs. */
export function writeDataset(dir: string, n: number, override: (k: number) => PairOptions = () => ({})): string {
  mkdirSync(join(dir, 'images'), { recursive: true });
  mkdirSync(join(dir, 'masks'), { recursive: true });
  for (let k = 0; k < n; k++) {
    const o = override(k);
    const size = o.size ?? 16;
    const stem = `case_${String(k).padStart(2, '0')}`;
    writeFileSync(join(dir, 'images', `${stem}.png`), imagePng(size, o.channels ?? 1, k));
    writeFileSync(join(dir, 'masks', `${stem}.png`), maskPng(size, o.mask ?? disc(size, k)));
  }
  return dir;
}

export const pairPath = (dir: string, kind: 'images' | 'masks', k: number): string => join(dir, kind, `case_${String(k).padStart(2, '0')}.png`);

/** NIfTI-1 bytes, uint8 or int16, x fastest; header fields can be spoiled for the error cases. */
export function niftiFile(dims: [number, number, number], values: (i: number) => number, o: { datatype?: number; magic?: string } = {}): Uint8Array {
  const datatype = o.datatype ?? 4;
  const bytes = datatype === 2 ? 1 : datatype === 4 ? 2 : 8;
  const n = dims[0] * dims[1] * dims[2];
  const out = new Uint8Array(352 + n * bytes);
  const v = new DataView(out.buffer);
  v.setInt32(0, 348, true);
  v.setInt16(40, 3, true);
  dims.forEach((d, i) => v.setInt16(42 + 2 * i, d, true));
  for (let i = 3; i < 7; i++) v.setInt16(42 + 2 * i, 1, true);
  v.setInt16(70, datatype, true);
  v.setInt16(72, bytes * 8, true);
  for (let d = 0; d < 4; d++) v.setFloat32(76 + 4 * d, 1, true);
  v.setFloat32(108, 352, true);
  v.setFloat32(112, 1, true);
  const magic = o.magic ?? 'n+1\0';
  for (let i = 0; i < 4; i++) out[344 + i] = magic.charCodeAt(i);
  for (let i = 0; i < n; i++) {
    if (bytes === 1) v.setUint8(352 + i, values(i));
    else if (bytes === 2) v.setInt16(352 + 2 * i, values(i), true);
    else v.setFloat64(352 + 8 * i, values(i), true);
  }
  return out;
}

/** An image volume and its mask: a cylinder that is present from slice 1 on. */
export function niftiPair(dims: [number, number, number] = [16, 16, 5]): { image: Uint8Array; mask: Uint8Array; maskValue: (i: number) => number } {
  const [nx, ny] = dims;
  const maskValue = (i: number) => {
    const x = i % nx, y = Math.floor(i / nx) % ny, z = Math.floor(i / (nx * ny));
    return z > 0 && (x - nx / 2) ** 2 + (y - ny / 2) ** 2 < 16 ? 1 : 0;
  };
  return { image: niftiFile(dims, (i) => 100 + 400 * maskValue(i) + ((i * 31) % 50)), mask: niftiFile(dims, maskValue, { datatype: 2 }), maskValue };
}
