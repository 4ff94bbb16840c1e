/**
 * TIFF decoding (TIFF 6.0), the first image of the file: little- and big-endian; 1, 8 and 16 bits per sample;
 * gray (BlackIsZero or WhiteIsZero), RGB, palette, with or without extra (alpha) samples; strips or tiles, chunky or
 * planar; uncompressed, LZW, deflate (8 and 32946) and PackBits, with or without the horizontal predictor.
 * JPEG-in-TIFF, CCITT fax, floating-point samples and BigTIFF are refused with a line naming what the file uses.
 */
import { DataError } from './errors.js';
import { unzlib, InflateError } from './inflate.js';
import { lzwDecodeTiff, LzwError } from './lzw-tiff.js';
import { MAX_PIXELS, type DecodedImage } from './types.js';

const COMPRESSION: Record<number, string> = {
  1: 'none', 2: 'CCITT RLE', 3: 'CCITT fax 3', 4: 'CCITT fax 4', 5: 'LZW', 6: 'old JPEG', 7: 'JPEG', 8: 'deflate', 32773: 'PackBits', 32946: 'deflate',
  34712: 'JPEG 2000', 50000: 'Zstandard', 34887: 'LERC', 34925: 'LZMA', 50001: 'WebP',
};
const SUPPORTED = new Set([1, 5, 8, 32773, 32946]);
const PHOTOMETRIC: Record<number, string> = { 0: 'WhiteIsZero', 1: 'BlackIsZero', 2: 'RGB', 3: 'palette', 4: 'transparency mask', 5: 'CMYK', 6: 'YCbCr', 8: 'CIELab' };
/** Bytes of each IFD field type: BYTE, ASCII, SHORT, LONG, RATIONAL, SBYTE, UNDEFINED, SSHORT, SLONG, SRATIONAL, FLOAT, DOUBLE. */
const TYPE_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8 };

const T = {
  width: 256, height: 257, bitsPerSample: 258, compression: 259, photometric: 262, stripOffsets: 273, samplesPerPixel: 277,
  rowsPerStrip: 278, stripByteCounts: 279, planar: 284, predictor: 317, colorMap: 320, tileWidth: 322, tileLength: 323,
  tileOffsets: 324, tileByteCounts: 325, sampleFormat: 339,
} as const;

class Reader {
  constructor(
    readonly b: Uint8Array,
    readonly le: boolean,
  ) {}
  u16(p: number): number {
    return this.le ? this.b[p] | (this.b[p + 1] << 8) : (this.b[p] << 8) | this.b[p + 1];
  }
  u32(p: number): number {
    const b = this.b;
    return (this.le ? b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24) : (b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
  }
}

export const isTiff = (b: Uint8Array) => b.length >= 4 && ((b[0] === 0x49 && b[1] === 0x49 && b[2] === 42 && b[3] === 0) || (b[0] === 0x4d && b[1] === 0x4d && b[2] === 0 && b[3] === 42));

/** The first IFD's fields as arrays of numbers (integer types; rationals as numerator/denominator). */
function readIfd(r: Reader, file: string): Map<number, number[]> {
  const bad = (why: string) => new DataError(file, `truncated or corrupt TIFF (${why})`);
  const n = r.b.length;
  const at = r.u32(4);
  if (at < 8 || at + 2 > n) throw bad(`the first directory offset ${at} is outside the ${n}-byte file`);
  const count = r.u16(at);
  if (count === 0) throw bad('the first directory is empty');
  if (at + 2 + count * 12 + 4 > n) throw bad(`the directory of ${count} entries runs past the end of the file`);
  const fields = new Map<number, number[]>();
  for (let i = 0; i < count; i++) {
    const e = at + 2 + i * 12;
    const tag = r.u16(e), type = r.u16(e + 2), cnt = r.u32(e + 4);
    const size = TYPE_SIZE[type];
    if (!size) continue; // unknown field types are skipped, as TIFF 6.0 asks
    const bytes = size * cnt;
    const off = bytes <= 4 ? e + 8 : r.u32(e + 8);
    if (off + bytes > n) {
      if (tag in TAG_NAMES) throw bad(`field ${TAG_NAMES[tag]} runs past the end of the file`);
      continue;
    }
    if (!(tag in TAG_NAMES) || cnt > n) continue; // only the fields the decoder reads are materialised
    const v: number[] = new Array(type === 5 ? cnt * 2 : cnt);
    for (let k = 0; k < cnt; k++) {
      if (type === 3 || type === 8) v[k] = r.u16(off + k * 2);
      else if (type === 4 || type === 9) v[k] = r.u32(off + k * 4);
      else if (type === 5) {
        v[2 * k] = r.u32(off + k * 8);
        v[2 * k + 1] = r.u32(off + k * 8 + 4);
      } else v[k] = r.b[off + k];
    }
    fields.set(tag, v);
  }
  return fields;
}

const TAG_NAMES: Record<number, string> = Object.fromEntries(Object.entries(T).map(([k, v]) => [v, k]));

/** Decode the first image of a TIFF file, every failure a DataError naming `file`. */
export function decodeTiff(bytes: Uint8Array, file = 'tiff'): DecodedImage {
  if (bytes.length === 0) throw new DataError(file, 'file is empty (0 bytes), not a TIFF');
  if (bytes.length >= 4 && (bytes[0] === 0x49 || bytes[0] === 0x4d) && bytes[1] === bytes[0] && (bytes[2] === 43 || bytes[3] === 43)) {
    throw new DataError(file, 'BigTIFF is not supported (save it as a classic TIFF)');
  }
  if (!isTiff(bytes)) throw new DataError(file, 'not a TIFF file (bad signature)');
  if (bytes.length < 8) throw new DataError(file, 'truncated or corrupt TIFF (the header is cut off)');
  const r = new Reader(bytes, bytes[0] === 0x49);
  const f = readIfd(r, file);
  const one = (tag: number, dflt?: number): number => {
    const v = f.get(tag);
    if (v && v.length) return v[0];
    if (dflt === undefined) throw new DataError(file, `truncated or corrupt TIFF (no ${TAG_NAMES[tag]} field)`);
    return dflt;
  };
  const width = one(T.width), height = one(T.height);
  const spp = one(T.samplesPerPixel, 1);
  const bitsAll = f.get(T.bitsPerSample) ?? [1];
  const bits = bitsAll[0];
  const compression = one(T.compression, 1);
  const photometric = one(T.photometric, spp >= 3 ? 2 : 1);
  const planar = one(T.planar, 1);
  const predictor = one(T.predictor, 1);
  const sampleFormat = one(T.sampleFormat, 1);

  if (width === 0 || height === 0) throw new DataError(file, `zero-sized image (${width}x${height})`);
  if (width * height > MAX_PIXELS) throw new DataError(file, `image is ${width}x${height}; more than ${MAX_PIXELS} pixels is not supported`);
  if (!SUPPORTED.has(compression)) {
    throw new DataError(file, `unsupported TIFF compression ${compression}${COMPRESSION[compression] ? ` (${COMPRESSION[compression]})` : ''}; supported: 1 none, 5 LZW, 8 or 32946 deflate, 32773 PackBits`);
  }
  if (![0, 1, 2, 3].includes(photometric)) throw new DataError(file, `unsupported TIFF colour model ${photometric}${PHOTOMETRIC[photometric] ? ` (${PHOTOMETRIC[photometric]})` : ''}; supported: gray, RGB, palette`);
  if (sampleFormat !== 1) throw new DataError(file, `unsupported TIFF sample format ${sampleFormat} (only unsigned integers are read)`);
  if (spp < 1 || spp > 4) throw new DataError(file, `unsupported TIFF with ${spp} samples per pixel (1 to 4 are read)`);
  if (bitsAll.some((b) => b !== bits) || ![1, 8, 16].includes(bits) || (bits === 1 && spp !== 1)) {
    throw new DataError(file, `unsupported TIFF bit depth ${bitsAll.join(',')} (8 or 16 bits per sample, or 1-bit gray)`);
  }
  if (photometric === 2 && spp < 3) throw new DataError(file, `truncated or corrupt TIFF (RGB with ${spp} sample(s) per pixel)`);
  if (photometric === 3 && (spp !== 1 || bits === 1)) throw new DataError(file, 'unsupported TIFF palette image (8 or 16-bit indices, one sample per pixel)');
  if (predictor !== 1 && predictor !== 2) throw new DataError(file, `unsupported TIFF predictor ${predictor}${predictor === 3 ? ' (floating point)' : ''}; supported: 1 none, 2 horizontal`);
  if (planar !== 1 && planar !== 2) throw new DataError(file, `truncated or corrupt TIFF (planar configuration ${planar})`);

  // The picture is stored in blocks (strips or tiles), per plane when planar = 2 (one sample per plane).
  const tiled = f.has(T.tileOffsets);
  const blockW = tiled ? one(T.tileWidth) : width;
  const blockH = tiled ? one(T.tileLength) : Math.min(one(T.rowsPerStrip, height), height);
  // a tile is at most a few times larger than the image it covers (tiles are multiples of 16 pixels)
  if (blockW === 0 || blockH === 0 || blockW > width + 256 || blockH > height + 256) throw new DataError(file, `truncated or corrupt TIFF (${tiled ? 'tile' : 'strip'} size ${blockW}x${blockH} for a ${width}x${height} image)`);
  const offsets = f.get(tiled ? T.tileOffsets : T.stripOffsets);
  if (!offsets) throw new DataError(file, 'truncated or corrupt TIFF (no StripOffsets field)');
  const planes = planar === 2 ? spp : 1, sampPerBlock = planar === 2 ? 1 : spp;
  const across = Math.ceil(width / blockW), down = Math.ceil(height / blockH);
  const perPlane = across * down;
  if (offsets.length < perPlane * planes) throw new DataError(file, `truncated or corrupt TIFF (${offsets.length} ${tiled ? 'tiles' : 'strips'}, the ${width}x${height} image needs ${perPlane * planes})`);
  const rowBytes = Math.ceil((blockW * sampPerBlock * bits) / 8);
  const blockBytes = rowBytes * blockH;
  const counts = f.get(tiled ? T.tileByteCounts : T.stripByteCounts) ?? (compression === 1 && !tiled ? offsets.map(() => blockBytes) : null);
  if (!counts || counts.length < offsets.length) throw new DataError(file, `truncated or corrupt TIFF (no or too few ${tiled ? 'TileByteCounts' : 'StripByteCounts'})`);

  const bytesPerSample = bits === 16 ? 2 : 1;
  const out = bits === 16 ? new Uint16Array(width * height * spp) : new Uint8Array(width * height * spp);
  const block = new Uint8Array(blockBytes);
  for (let p = 0; p < planes; p++) {
    for (let k = 0; k < perPlane; k++) {
      const idx = p * perPlane + k, off = offsets[idx], cnt = counts[idx];
      const what = `${tiled ? 'tile' : 'strip'} ${idx}`;
      if (off + cnt > bytes.length) throw new DataError(file, `truncated or corrupt TIFF (${what} runs past the end of the file)`);
      const bx = tiled ? (k % across) * blockW : 0, by = tiled ? Math.floor(k / across) * blockH : k * blockH;
      // a last strip may hold fewer rows; tiles are always whole
      const rowsHere = tiled ? blockH : Math.min(blockH, height - by);
      const need = rowBytes * rowsHere;
      const got = decompress(bytes.subarray(off, off + cnt), compression, block.subarray(0, need), file, what);
      if (got < need) throw new DataError(file, `truncated or corrupt TIFF (${what} decodes to ${got} bytes, the image needs ${need})`);
      if (predictor === 2) undoPredictor(block, rowsHere, rowBytes, blockW, sampPerBlock, bits, r.le);
      // copy the block's samples into the interleaved picture
      const w = Math.min(blockW, width - bx), h = Math.min(rowsHere, height - by);
      for (let y = 0; y < h; y++) {
        const src = y * rowBytes;
        for (let x = 0; x < w; x++) {
          const dst = ((by + y) * width + bx + x) * spp + p;
          for (let s = 0; s < sampPerBlock; s++) {
            const i = x * sampPerBlock + s;
            let v: number;
            if (bits === 8) v = block[src + i];
            else if (bits === 16) v = r.le ? block[src + i * 2] | (block[src + i * 2 + 1] << 8) : (block[src + i * 2] << 8) | block[src + i * 2 + 1];
            else v = (block[src + (i >> 3)] >> (7 - (i & 7))) & 1 ? 255 : 0;
            out[dst + s] = v;
          }
        }
      }
    }
  }
  const max = bits === 16 ? 65535 : 255;
  if (photometric === 0) for (let i = 0; i < out.length; i++) out[i] = max - out[i];
  if (photometric === 3) return expandPalette(out, f.get(T.colorMap), bits, width, height, file);
  return { width, height, channels: spp as DecodedImage['channels'], bitDepth: bytesPerSample === 2 ? 16 : 8, data: out, format: 'tiff' };
}

/** Decompress one block into `out`; returns the bytes produced (≤ out.length; extra data is ignored). */
function decompress(src: Uint8Array, compression: number, out: Uint8Array, file: string, what: string): number {
  try {
    if (compression === 1) {
      const n = Math.min(src.length, out.length);
      out.set(src.subarray(0, n));
      return n;
    }
    if (compression === 5) return lzwDecodeTiff(src, out);
    if (compression === 32773) return unpackBits(src, out);
    const raw = unzlib(src, false); // deflate, 8 or 32946
    const n = Math.min(raw.length, out.length);
    out.set(raw.subarray(0, n));
    return n;
  } catch (e) {
    if (e instanceof LzwError || e instanceof InflateError) throw new DataError(file, `truncated or corrupt TIFF (${what}: ${e.message})`);
    throw e;
  }
}

/** PackBits (TIFF 6.0 §9): n in 0..127 copies n+1 bytes, n in -127..-1 repeats the next byte 1-n times, -128 is a no-op. */
function unpackBits(src: Uint8Array, out: Uint8Array): number {
  let i = 0, o = 0;
  while (i < src.length && o < out.length) {
    const n = (src[i++] << 24) >> 24;
    if (n >= 0) {
      const end = Math.min(i + n + 1, src.length);
      while (i < end && o < out.length) out[o++] = src[i++];
    } else if (n !== -128) {
      if (i >= src.length) break;
      const v = src[i++];
      for (let k = 1 - n; k > 0 && o < out.length; k--) out[o++] = v;
    }
  }
  return o;
}

/** Horizontal predictor (TIFF 6.0 §14): each sample is stored as the difference from the same sample one pixel left. */
function undoPredictor(b: Uint8Array, rows: number, rowBytes: number, w: number, spp: number, bits: number, le: boolean): void {
  if (bits === 8) {
    for (let y = 0; y < rows; y++) {
      const o = y * rowBytes;
      for (let i = spp; i < w * spp; i++) b[o + i] = (b[o + i] + b[o + i - spp]) & 255;
    }
  } else if (bits === 16) {
    const [hi, lo] = le ? [1, 0] : [0, 1];
    for (let y = 0; y < rows; y++) {
      const o = y * rowBytes;
      for (let i = spp; i < w * spp; i++) {
        const a = o + i * 2, p = o + (i - spp) * 2;
        const v = (((b[a + hi] << 8) | b[a + lo]) + ((b[p + hi] << 8) | b[p + lo])) & 0xffff;
        b[a + hi] = v >> 8;
        b[a + lo] = v & 255;
      }
    }
  }
}

/** ColorMap: 3 · 2^bits 16-bit entries, all reds, then greens, then blues; expanded to 8 or 16-bit RGB. */
function expandPalette(idx: Uint8Array | Uint16Array, map: number[] | undefined, bits: number, width: number, height: number, file: string): DecodedImage {
  const n = 1 << bits;
  if (!map || map.length < 3 * n) throw new DataError(file, `truncated or corrupt TIFF (palette image with ${map ? map.length : 'no'} ColorMap entries, needs ${3 * n})`);
  const out = bits === 16 ? new Uint16Array(idx.length * 3) : new Uint8Array(idx.length * 3);
  for (let p = 0; p < idx.length; p++) {
    for (let c = 0; c < 3; c++) out[p * 3 + c] = bits === 16 ? map[c * n + idx[p]] : map[c * n + idx[p]] >> 8;
  }
  return { width, height, channels: 3, bitDepth: bits === 16 ? 16 : 8, data: out, format: 'tiff' };
}
