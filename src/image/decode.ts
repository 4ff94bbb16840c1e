/** One entry point for every format: the magic bytes choose the decoder, the name only labels errors. */
import { DataError } from './errors.js';
import { decodePng, PNG_SIGNATURE } from './png.js';
import { decodeTiff, isTiff } from './tiff.js';
import { decodeGif, isGif } from './gif.js';
import { decodeJpeg, isJpeg } from './jpeg.js';
import type { DecodedImage, ImageFormat } from './types.js';

/** The format the first bytes announce, or null. */
export function detectFormat(bytes: Uint8Array): ImageFormat | null {
  if (bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return 'png';
  if (isJpeg(bytes)) return 'jpeg';
  if (isGif(bytes)) return 'gif';
  if (isTiff(bytes) || (bytes.length >= 4 && (bytes[0] === 0x49 || bytes[0] === 0x4d) && bytes[0] === bytes[1] && (bytes[2] === 43 || bytes[3] === 43))) return 'tiff';
  return null;
}

/** Decode PNG, TIFF, GIF or JPEG bytes; every failure is a DataError whose message starts with `name`. */
export function decodeImage(bytes: Uint8Array, name = 'image'): DecodedImage {
  if (bytes.length === 0) throw new DataError(name, 'file is empty (0 bytes), not an image');
  switch (detectFormat(bytes)) {
    case 'png':
      return decodePng(bytes, name);
    case 'jpeg':
      return decodeJpeg(bytes, name);
    case 'gif':
      return decodeGif(bytes, name);
    case 'tiff':
      return decodeTiff(bytes, name);
    default:
      throw new DataError(name, 'not a PNG, TIFF, GIF or JPEG file (unknown signature)');
  }
}
