/** Image files → DecodedImage for predict and serve (PNG, TIFF, GIF or JPEG, decoded by src/image). */
import { decodeImage } from '../image/index.js';
import { readFileBytes } from '../data/image-file.js';
import type { DecodedImage } from './segment.js';

/** Decode image bytes; every failure is a DataError naming `name` with a one-line reason. */
export function decodeImageBytes(bytes: Uint8Array, name = 'image'): DecodedImage {
  return decodeImage(bytes, name);
}

export function readImageFile(file: string): DecodedImage {
  return decodeImage(readFileBytes(file), file);
}
