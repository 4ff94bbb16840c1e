/**
 * PNG reading and writing on top of pngjs.
 *
 * Images become float32 planes in [0, 1], channel-first (CHW): a sample value v of bit depth b maps to v / (2^b - 1),
 * so 8- and 16-bit files of the same picture give the same numbers (up to the 8-bit rounding). Alpha is dropped:
 * gray and gray+alpha give 1 channel, RGB, RGBA and palette give 3.
 * Masks keep the raw integer sample values (a 16-bit mask value 300 stays 300; a palette mask gives palette indices).
 * Writing is 8-bit gray, RGB or RGBA.
 */
import { readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { DataError, fsReason } from './errors.js';
import { writeFileAtomic } from '../io/safetensors.js';

export interface PngImage {
  width: number;
  height: number;
  /** 1 (gray) or 3 (RGB) after dropping alpha. */
  channels: 1 | 3;
  /** CHW planes in [0, 1]: data[c * H * W + y * W + x]. */
  data: Float32Array;
}

export interface PngMask {
  width: number;
  height: number;
  /** Raw sample values, row-major H x W; for RGB(A) masks the max over R, G, B. */
  values: Int32Array;
  /** True when an RGB(A) mask has pixels with R, G, B not all equal (a colour-coded mask, not class ids). */
  coloured: boolean;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

interface Decoded {
  width: number;
  height: number;
  colorType: number;
  depth: number;
  /** RGBA samples, 4 per pixel: Buffer for depth <= 8 and palette, Uint16Array for depth 16 (raw, not rescaled). */
  data: Uint8Array | Uint16Array;
  palette?: number[][];
}

function readBytes(file: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new DataError(file, fsReason(e));
  }
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
const MAX_PIXELS = 2 ** 28;
/** Adam7 passes: [xStart, yStart, xStep, yStep]. */
const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]];

/** Bytes of filtered scanlines the header promises: per (pass) row, 1 filter byte + ceil(width·bits/8). */
function rawImageBytes(w: number, h: number, bitsPerPixel: number, interlaced: boolean): number {
  const rows = (pw: number, ph: number) => (pw && ph ? ph * (Math.ceil((pw * bitsPerPixel) / 8) + 1) : 0);
  if (!interlaced) return rows(w, h);
  return ADAM7.reduce((a, [xs, ys, dx, dy]) => a + rows(Math.ceil(Math.max(0, w - xs) / dx), Math.ceil(Math.max(0, h - ys) / dy)), 0);
}

/**
 * Check the chunk structure, the header and that the zlib image data is complete before pngjs decodes it:
 * pngjs 7's synchronous inflate reports short or missing image data as success (leaving uninitialised memory in the
 * picture) and allocates whatever size the header claims, so a lying or truncated file must be caught here.
 */
function checkPngStructure(bytes: Uint8Array, file: string): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 8;
  let header: { w: number; h: number; depth: number; colorType: number; interlace: number } | null = null;
  const idat: Uint8Array[] = [];
  let ended = false;
  while (pos < bytes.length) {
    if (pos + 8 > bytes.length) throw new DataError(file, `truncated or corrupt PNG (a chunk header is cut off at byte ${pos})`);
    const len = view.getUint32(pos);
    const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
    if (pos + 12 + len > bytes.length) throw new DataError(file, `truncated or corrupt PNG (chunk ${JSON.stringify(type)} of ${len} bytes runs past the end of the file)`);
    const data = bytes.subarray(pos + 8, pos + 8 + len);
    if (!header && type !== 'IHDR') throw new DataError(file, `truncated or corrupt PNG (the first chunk is ${JSON.stringify(type)}, not IHDR)`);
    if (type === 'IHDR') {
      if (len !== 13) throw new DataError(file, `truncated or corrupt PNG (IHDR is ${len} bytes, not 13)`);
      header = { w: view.getUint32(pos + 8), h: view.getUint32(pos + 12), depth: data[8], colorType: data[9], interlace: data[12] };
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') {
      ended = true;
      break;
    }
    pos += 12 + len;
  }
  if (!header) throw new DataError(file, 'truncated or corrupt PNG (no IHDR header chunk)');
  const { w, h, depth, colorType, interlace } = header;
  if (!(colorType in CHANNELS)) throw new DataError(file, `unsupported PNG colour type ${colorType} (valid: 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA)`);
  if (!DEPTHS[colorType].includes(depth)) throw new DataError(file, `unsupported PNG bit depth ${depth} for colour type ${colorType} (valid: ${DEPTHS[colorType].join(', ')})`);
  if (interlace > 1) throw new DataError(file, `unsupported PNG interlace method ${interlace}`);
  if (w === 0 || h === 0) throw new DataError(file, `zero-sized image (${w}x${h})`);
  if (w * h > MAX_PIXELS) throw new DataError(file, `image is ${w}x${h}; more than ${MAX_PIXELS} pixels is not supported`);
  if (idat.length === 0) throw new DataError(file, `truncated or corrupt PNG (no image data${ended ? '' : '; the file ends early'})`);
  const need = rawImageBytes(w, h, CHANNELS[colorType] * depth, interlace === 1);
  let have: number;
  try {
    have = inflateSync(Buffer.concat(idat), { maxOutputLength: need + 65536 }).length;
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ? 'more image data than the header describes' : (e as Error).message;
    throw new DataError(file, `truncated or corrupt PNG (image data: ${why})`);
  }
  if (have < need) throw new DataError(file, `truncated or corrupt PNG (image data is ${have} bytes, the ${w}x${h} header needs ${need})`);
}

/** Decode PNG bytes with every failure turned into a DataError naming `file`. */
export function decodePng(bytes: Uint8Array, file: string): Decoded {
  if (bytes.length === 0) throw new DataError(file, 'file is empty (0 bytes), not a PNG');
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) throw new DataError(file, 'not a PNG file (bad signature)');
  checkPngStructure(bytes, file);
  let png: Decoded;
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { skipRescale: true }) as unknown as Decoded;
  } catch (e) {
    const why = String((e as Error)?.message ?? e);
    throw new DataError(file, `truncated or corrupt PNG (${why})`);
  }
  if (!png || !(png.width > 0) || !(png.height > 0)) throw new DataError(file, `zero-sized image (${png?.width ?? 0}x${png?.height ?? 0})`);
  if (!png.data || png.data.length !== png.width * png.height * 4) throw new DataError(file, 'truncated or corrupt PNG (pixel data is incomplete)');
  return png;
}

/** Largest sample value of the decoded RGBA data (palette entries are always 8-bit). */
function sampleMax(png: Decoded): number {
  return png.colorType === 3 ? 255 : 2 ** png.depth - 1;
}

/** Read an image PNG as CHW float planes in [0, 1]. */
export function readImagePng(file: string): PngImage {
  return imageFromPngBytes(readBytes(file), file);
}

export function imageFromPngBytes(bytes: Uint8Array, file = 'png'): PngImage {
  const png = decodePng(bytes, file);
  const { width, height } = png;
  const colour = (png.colorType & 2) !== 0 || png.colorType === 3;
  const channels: 1 | 3 = colour ? 3 : 1;
  const plane = width * height;
  const data = new Float32Array(channels * plane);
  const scale = 1 / sampleMax(png);
  const src = png.data;
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < channels; c++) data[c * plane + p] = src[p * 4 + c] * scale;
  }
  return { width, height, channels, data };
}

/** Read a mask PNG as raw integer values (palette PNGs give palette indices). */
export function readMaskPng(file: string): PngMask {
  return maskFromPngBytes(readBytes(file), file);
}

export function maskFromPngBytes(bytes: Uint8Array, file = 'png'): PngMask {
  const png = decodePng(bytes, file);
  const { width, height } = png;
  const plane = width * height;
  const values = new Int32Array(plane);
  const src = png.data;
  let coloured = false;
  if (png.colorType === 3) {
    // pngjs expands palette indices to colours; map each colour back to its first palette index.
    const index = new Map<number, number>();
    (png.palette ?? []).forEach((c, i) => {
      const key = ((c[0] << 16) | (c[1] << 8) | c[2]) >>> 0;
      if (!index.has(key)) index.set(key, i);
    });
    for (let p = 0; p < plane; p++) {
      const key = ((src[p * 4] << 16) | (src[p * 4 + 1] << 8) | src[p * 4 + 2]) >>> 0;
      values[p] = index.get(key) ?? 0;
    }
  } else if (png.colorType & 2) {
    for (let p = 0; p < plane; p++) {
      const r = src[p * 4], g = src[p * 4 + 1], b = src[p * 4 + 2];
      if (r !== g || g !== b) coloured = true;
      values[p] = Math.max(r, g, b);
    }
  } else {
    for (let p = 0; p < plane; p++) values[p] = src[p * 4];
  }
  return { width, height, values, coloured };
}

/**
 * Encode 8-bit pixels, interleaved HWC (channels 1 = gray, 3 = RGB, 4 = RGBA), as PNG bytes.
 * Values are clamped to [0, 255] and rounded.
 */
export function encodePng(pixels: ArrayLike<number>, width: number, height: number, channels: 1 | 3 | 4): Buffer {
  if (!(width > 0 && height > 0)) throw new DataError('png', `cannot write a zero-sized image (${width}x${height})`);
  if (pixels.length !== width * height * channels) {
    throw new DataError('png', `pixel buffer has ${pixels.length} values, expected ${width}x${height}x${channels}`);
  }
  const rgba = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < 4; c++) {
      const v = c === 3 ? (channels === 4 ? pixels[p * 4 + 3] : 255) : pixels[p * channels + (channels === 1 ? 0 : c)];
      rgba[p * 4 + c] = Math.max(0, Math.min(255, Math.round(v)));
    }
  }
  const png = new PNG({ width, height });
  png.data = Buffer.from(rgba.buffer);
  const colorType = channels === 1 ? 0 : channels === 3 ? 2 : 6;
  return PNG.sync.write(png, { colorType, inputColorType: 6, bitDepth: 8 });
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
