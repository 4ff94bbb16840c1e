/**
 * PNG files, read and written from Node (the codec itself is src/image, platform-neutral).
 * The readers here accept only PNG bytes; src/data/image-file.ts reads every supported format. What the planes and
 * mask values hold is described there.
 */
import { decodePng, encodePng as encodePngBytes } from '../image/index.js';
import { writeFileAtomic } from '../io/safetensors.js';
import { readFileBytes, imagePlanes, maskValues, type ImagePlanes, type MaskValues } from './image-file.js';

export type PngImage = ImagePlanes;
export type PngMask = MaskValues;

/** Read an image PNG as CHW float planes in [0, 1]. */
export function readImagePng(file: string): PngImage {
  return imageFromPngBytes(readFileBytes(file), file);
}

export function imageFromPngBytes(bytes: Uint8Array, file = 'png'): PngImage {
  return imagePlanes(decodePng(bytes, file));
}

/** Read a mask PNG as raw integer values (palette PNGs give palette indices). */
export function readMaskPng(file: string): PngMask {
  return maskFromPngBytes(readFileBytes(file), file);
}

export function maskFromPngBytes(bytes: Uint8Array, file = 'png'): PngMask {
  return maskValues(decodePng(bytes, file));
}

/** encodePng of src/image (8-bit gray, gray+alpha, RGB or RGBA; values clamped and rounded) as a Node Buffer. */
export function encodePng(pixels: ArrayLike<number>, width: number, height: number, channels: 1 | 2 | 3 | 4): Buffer {
  const b = encodePngBytes(pixels, width, height, channels);
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/** Write an 8-bit PNG atomically (temporary file + rename). */
export function writePng(file: string, pixels: ArrayLike<number>, width: number, height: number, channels: 1 | 3 | 4): void {
  writeFileAtomic(file, encodePng(pixels, width, height, channels));
}

/** CHW float planes in [0, 1] → interleaved 8-bit HWC (the inverse of readImagePng for 8-bit files). */
export function planesToPixels(data: ArrayLike<number>, channels: number, width: number, height: number): Uint8Array {
  const plane = width * height;
  const out = new Uint8Array(plane * channels);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < channels; c++) out[p * channels + c] = Math.max(0, Math.min(255, Math.round(data[c * plane + p] * 255)));
  }
  return out;
}
