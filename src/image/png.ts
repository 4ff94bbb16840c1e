/**
 * PNG decoding (ISO/IEC 15948): every colour type and bit depth, Adam7 interlacing, all five row filters.
 * The chunk structure, CRCs, header and the amount of image data are checked before any pixel is produced, so a
 * truncated file or a header that lies about its size fails fast with one line instead of allocating the lie.
 * Palette images expand to RGB (transparency in tRNS is not read); gray of 1, 2 or 4 bits is scaled to 8 bits, with
 * the unscaled values (and palette indices) kept in `rawValues` for masks.
 */
import { DataError } from './errors.js';
import { crc32 } from './checksum.js';
import { unzlib, InflateError } from './inflate.js';
import { MAX_PIXELS, type DecodedImage } from './types.js';

export const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Samples per pixel of each colour type: 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA. */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
/** Adam7 passes: [xStart, yStart, xStep, yStep]. */
const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]];

interface Header {
  width: number;
  height: number;
  depth: number;
  colorType: number;
  interlaced: boolean;
}

const corrupt = (file: string, why: string) => new DataError(file, `truncated or corrupt PNG (${why})`);
const u32 = (b: Uint8Array, p: number) => ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;

/** The sub-images the file stores: the whole picture, or the 7 Adam7 passes (some may be empty). */
function passes(h: Header): { x0: number; y0: number; dx: number; dy: number; w: number; h: number }[] {
  const all = h.interlaced ? ADAM7 : [[0, 0, 1, 1]];
  return all.map(([x0, y0, dx, dy]) => ({ x0, y0, dx, dy, w: Math.ceil(Math.max(0, h.width - x0) / dx), h: Math.ceil(Math.max(0, h.height - y0) / dy) }));
}

/** Bytes per filtered row of a sub-image w pixels wide, without its filter byte. */
const rowBytes = (w: number, bitsPerPixel: number) => Math.ceil((w * bitsPerPixel) / 8);

/** Walk the chunks: the header, the palette and the concatenated IDAT data. */
function readChunks(bytes: Uint8Array, file: string): { header: Header; palette: Uint8Array | null; idat: Uint8Array } {
  let pos = 8;
  let header: Header | null = null;
  let palette: Uint8Array | null = null;
  const idat: Uint8Array[] = [];
  let ended = false;
  while (pos < bytes.length) {
    if (pos + 8 > bytes.length) throw corrupt(file, `a chunk header is cut off at byte ${pos}`);
    const len = u32(bytes, pos);
    const type = String.fromCharCode(bytes[pos + 4], bytes[pos + 5], bytes[pos + 6], bytes[pos + 7]);
    if (pos + 12 + len > bytes.length) throw corrupt(file, `chunk ${JSON.stringify(type)} of ${len} bytes runs past the end of the file`);
    if (crc32(bytes, pos + 4, pos + 8 + len) !== u32(bytes, pos + 8 + len)) throw corrupt(file, `CRC mismatch in chunk ${JSON.stringify(type)}`);
    const data = bytes.subarray(pos + 8, pos + 8 + len);
    if (!header && type !== 'IHDR') throw corrupt(file, `the first chunk is ${JSON.stringify(type)}, not IHDR`);
    if (type === 'IHDR') {
      if (header) throw corrupt(file, 'a second IHDR chunk');
      if (len !== 13) throw corrupt(file, `IHDR is ${len} bytes, not 13`);
      if (data[10] !== 0 || data[11] !== 0) throw new DataError(file, `unsupported PNG compression or filter method (${data[10]}, ${data[11]})`);
      if (data[12] > 1) throw new DataError(file, `unsupported PNG interlace method ${data[12]}`);
      header = { width: u32(data, 0), height: u32(data, 4), depth: data[8], colorType: data[9], interlaced: data[12] === 1 };
    } else if (type === 'PLTE') palette = data;
    else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') {
      ended = true;
      break;
    }
    pos += 12 + len;
  }
  if (!header) throw corrupt(file, 'no IHDR header chunk');
  const { width: w, height: h, depth, colorType } = header;
  if (!(colorType in CHANNELS)) throw new DataError(file, `unsupported PNG colour type ${colorType} (valid: 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA)`);
  if (!DEPTHS[colorType].includes(depth)) throw new DataError(file, `unsupported PNG bit depth ${depth} for colour type ${colorType} (valid: ${DEPTHS[colorType].join(', ')})`);
  if (w === 0 || h === 0) throw new DataError(file, `zero-sized image (${w}x${h})`);
  if (w * h > MAX_PIXELS) throw new DataError(file, `image is ${w}x${h}; more than ${MAX_PIXELS} pixels is not supported`);
  if (colorType === 3 && (!palette || palette.length === 0 || palette.length % 3 !== 0)) throw corrupt(file, palette ? `PLTE is ${palette.length} bytes, not a multiple of 3` : 'a palette image without a PLTE chunk');
  if (idat.length === 0) throw corrupt(file, `no image data${ended ? '' : '; the file ends early'}`);
  if (!ended) throw corrupt(file, 'no IEND chunk; the file ends early');
  let total = 0;
  for (const d of idat) total += d.length;
  const joined = new Uint8Array(total);
  total = 0;
  for (const d of idat) {
    joined.set(d, total);
    total += d.length;
  }
  return { header, palette, idat: joined };
}

/** Undo the row filters of one sub-image in place (ISO 15948 §9: None, Sub, Up, Average, Paeth). */
function unfilter(raw: Uint8Array, start: number, w: number, h: number, bpp: number, bytesPerRow: number, file: string): void {
  let prev = -1; // offset of the previous unfiltered row, -1 before the first
  for (let y = 0; y < h; y++) {
    const f = raw[start + y * (bytesPerRow + 1)], row = start + y * (bytesPerRow + 1) + 1;
    if (f === 1) {
      for (let i = bpp; i < bytesPerRow; i++) raw[row + i] = (raw[row + i] + raw[row + i - bpp]) & 255;
    } else if (f === 2) {
      if (prev >= 0) for (let i = 0; i < bytesPerRow; i++) raw[row + i] = (raw[row + i] + raw[prev + i]) & 255;
    } else if (f === 3) {
      for (let i = 0; i < bytesPerRow; i++) {
        const a = i >= bpp ? raw[row + i - bpp] : 0, b = prev >= 0 ? raw[prev + i] : 0;
        raw[row + i] = (raw[row + i] + ((a + b) >> 1)) & 255;
      }
    } else if (f === 4) {
      for (let i = 0; i < bytesPerRow; i++) {
        const a = i >= bpp ? raw[row + i - bpp] : 0, b = prev >= 0 ? raw[prev + i] : 0, c = i >= bpp && prev >= 0 ? raw[prev + i - bpp] : 0;
        const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        raw[row + i] = (raw[row + i] + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 255;
      }
    } else if (f !== 0) throw corrupt(file, `unknown row filter type ${f} in row ${y}`);
    prev = row;
  }
}

/** Decode PNG bytes with every failure a DataError naming `file`. */
export function decodePng(bytes: Uint8Array, file = 'png'): DecodedImage {
  if (bytes.length === 0) throw new DataError(file, 'file is empty (0 bytes), not a PNG');
  if (bytes.length < 8 || PNG_SIGNATURE.some((b, i) => bytes[i] !== b)) throw new DataError(file, 'not a PNG file (bad signature)');
  const { header, palette, idat } = readChunks(bytes, file);
  const { width, height, depth, colorType } = header;
  const spp = CHANNELS[colorType], bitsPerPixel = spp * depth, bpp = Math.max(1, bitsPerPixel >> 3);
  const subs = passes(header);
  const need = subs.reduce((a, s) => a + (s.w && s.h ? s.h * (rowBytes(s.w, bitsPerPixel) + 1) : 0), 0);
  let raw: Uint8Array;
  try {
    raw = unzlib(idat, true);
  } catch (e) {
    if (e instanceof InflateError) throw corrupt(file, `image data: ${e.message}`);
    throw e;
  }
  if (raw.length < need) throw corrupt(file, `image data is ${raw.length} bytes, the ${width}x${height} header needs ${need}`);

  const palettised = colorType === 3;
  const channels = (palettised ? 3 : spp) as DecodedImage['channels'];
  const plane = width * height;
  const data = depth === 16 ? new Uint16Array(plane * channels) : new Uint8Array(plane * channels);
  const rawValues = depth < 8 || palettised ? new Uint8Array(plane) : undefined;
  const scale = palettised || depth >= 8 ? 1 : 255 / (2 ** depth - 1); // 1, 2, 4-bit gray → 8 bits (exact: 255, 85, 17)
  const mask = (1 << depth) - 1;
  let start = 0;
  for (const s of subs) {
    if (!s.w || !s.h) continue;
    const rb = rowBytes(s.w, bitsPerPixel);
    unfilter(raw, start, s.w, s.h, bpp, rb, file);
    for (let j = 0; j < s.h; j++) {
      const row = start + j * (rb + 1) + 1, y = s.y0 + j * s.dy;
      for (let i = 0; i < s.w; i++) {
        const p = y * width + s.x0 + i * s.dx;
        if (depth === 16) {
          for (let c = 0; c < spp; c++) data[p * spp + c] = (raw[row + (i * spp + c) * 2] << 8) | raw[row + (i * spp + c) * 2 + 1];
        } else if (depth === 8 && !palettised) {
          for (let c = 0; c < spp; c++) data[p * spp + c] = raw[row + i * spp + c];
        } else {
          // one sample per pixel: palette index or low-bit gray, packed from the most significant bit
          const v = depth === 8 ? raw[row + i] : (raw[row + ((i * depth) >> 3)] >> (8 - depth - ((i * depth) & 7))) & mask;
          rawValues![p] = v;
          if (palettised) {
            const k = v * 3 < palette!.length ? v * 3 : -1; // an index past the palette is black
            for (let c = 0; c < 3; c++) data[p * 3 + c] = k < 0 ? 0 : palette![k + c];
          } else data[p] = v * scale;
        }
      }
    }
    start += s.h * (rb + 1);
  }
  return { width, height, channels, bitDepth: depth === 16 ? 16 : 8, data, format: 'png', rawValues };
}
