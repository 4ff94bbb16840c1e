/**
 * Image bytes → DecodedImage for predict and serve. Until the platform-neutral decoders of src/image/ land, this
 * reads PNG only (through data/png.ts); the one place to switch to decodeImage.
 */
import { readFileSync } from 'node:fs';
import { decodePng } from '../data/png.js';
import { DataError, fsReason } from '../data/errors.js';
import type { DecodedImage } from './segment.js';

/** Decode image bytes; every failure is a DataError naming `name` with a one-line reason. */
export function decodeImageBytes(bytes: Uint8Array, name = 'image'): DecodedImage {
  const png = decodePng(bytes, name);
  const { width, height } = png;
  const channels = (png.colorType & 2) !== 0 || png.colorType === 3 ? 3 : 1;
  const deep = png.colorType !== 3 && png.depth === 16;
  const max = png.colorType === 3 ? 255 : 2 ** png.depth - 1;
  const plane = width * height;
  const data = deep ? new Uint16Array(plane * channels) : new Uint8Array(plane * channels);
  const scale = deep || max === 255 ? 1 : 255 / max; // 1-, 2- and 4-bit gray to 8 bits
  for (let p = 0; p < plane; p++) for (let c = 0; c < channels; c++) data[p * channels + c] = Math.round(png.data[p * 4 + c] * scale);
  return { width, height, channels, bitDepth: deep ? 16 : 8, data, format: 'png' };
}

export function readImageFile(file: string): DecodedImage {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new DataError(file, fsReason(e));
  }
  return decodeImageBytes(bytes, file);
}
