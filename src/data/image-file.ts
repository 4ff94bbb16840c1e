/**
 * Image and mask files of any format src/image decodes (PNG, TIFF, GIF, JPEG), read from disk and turned into what
 * the datasets hold.
 *
 * Images become float32 planes in [0, 1], channel-first (CHW): a sample value v of bit depth b maps to v / (2^b - 1),
 * so 8- and 16-bit files of the same picture give the same numbers (up to the 8-bit rounding). Alpha is dropped:
 * gray and gray+alpha give 1 channel, RGB, RGBA and palette give 3.
 * Masks keep the raw integer sample values (a 16-bit mask value 300 stays 300; a palette PNG gives palette indices;
 * a GIF gives the gray level of each pixel's colour). RGB masks give max(R, G, B) and are flagged when coloured.
 * A JPEG mask is lossy (its edges carry ringing and its flat areas noise), so it is thresholded at mid-range:
 * values ≥ 128 become 1 and the rest 0, a two-class mask in either mask mode.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { decodeImage, type DecodedImage } from '../image/index.js';
import { DataError, fsReason } from './errors.js';

/** The file extensions read as images and masks (lower case). */
export const IMAGE_EXTENSIONS = ['.png', '.tif', '.tiff', '.gif', '.jpg', '.jpeg'];
export const isImageFile = (name: string) => IMAGE_EXTENSIONS.includes(extname(name).toLowerCase());

export interface ImagePlanes {
  width: number;
  height: number;
  /** 1 (gray) or 3 (RGB) after dropping alpha. */
  channels: 1 | 3;
  /** CHW planes in [0, 1]: data[c * H * W + y * W + x]. */
  data: Float32Array;
}

export interface MaskValues {
  width: number;
  height: number;
  /** Raw sample values, row-major H x W; for RGB(A) masks the max over R, G, B. */
  values: Int32Array;
  /** True when an RGB(A) mask has pixels with R, G, B not all equal (a colour-coded mask, not class ids). */
  coloured: boolean;
}

export function readFileBytes(file: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new DataError(file, fsReason(e));
  }
}

/** Decoded pixels → CHW float planes in [0, 1] (alpha dropped). */
export function imagePlanes(img: DecodedImage): ImagePlanes {
  const { width, height } = img;
  const channels: 1 | 3 = img.channels >= 3 ? 3 : 1;
  const plane = width * height, stride = img.channels, src = img.data;
  const data = new Float32Array(channels * plane);
  const scale = 1 / (2 ** img.bitDepth - 1);
  for (let c = 0; c < channels; c++) {
    const o = c * plane;
    for (let p = 0; p < plane; p++) data[o + p] = src[p * stride + c] * scale;
  }
  return { width, height, channels, data };
}

/** Decoded pixels → raw mask values (see the file comment). */
export function maskValues(img: DecodedImage): MaskValues {
  const { width, height } = img;
  const plane = width * height, stride = img.channels, src = img.data;
  const values = new Int32Array(plane);
  let coloured = false;
  if (img.rawValues) values.set(img.rawValues);
  else if (img.channels >= 3) {
    for (let p = 0; p < plane; p++) {
      const r = src[p * stride], g = src[p * stride + 1], b = src[p * stride + 2];
      if (r !== g || g !== b) coloured = true;
      values[p] = Math.max(r, g, b);
    }
  } else for (let p = 0; p < plane; p++) values[p] = src[p * stride];
  if (img.format === 'jpeg') {
    for (let p = 0; p < plane; p++) values[p] = values[p] >= 128 ? 1 : 0;
    coloured = false;
  }
  return { width, height, values, coloured };
}

/** Read an image file of any supported format as CHW float planes in [0, 1]. */
export function readImage(file: string): ImagePlanes {
  return imagePlanes(decodeImage(readFileBytes(file), file));
}

/** Read a mask file of any supported format as raw integer values. */
export function readMask(file: string): MaskValues {
  return maskValues(decodeImage(readFileBytes(file), file));
}
