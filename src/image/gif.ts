/**
 * GIF decoding (GIF89a specification), the first frame: global or local colour table, LZW with codes least
 * significant bit first, interlaced or not. The frame is placed on the logical screen (uncovered pixels take the
 * background colour); transparency is not read. A GIF whose colours are all gray (as DRIVE's masks are) decodes as
 * one gray channel, any other as RGB.
 */
import { DataError } from './errors.js';
import { MAX_PIXELS, type DecodedImage } from './types.js';

export const isGif = (b: Uint8Array) => b.length >= 6 && b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x38 && (b[4] === 0x37 || b[4] === 0x39) && b[5] === 0x61;

/** Decode the first frame of a GIF, every failure a DataError naming `file`. */
export function decodeGif(bytes: Uint8Array, file = 'gif'): DecodedImage {
  const bad = (why: string) => new DataError(file, `truncated or corrupt GIF (${why})`);
  if (bytes.length === 0) throw new DataError(file, 'file is empty (0 bytes), not a GIF');
  if (!isGif(bytes)) throw new DataError(file, 'not a GIF file (bad signature)');
  if (bytes.length < 13) throw bad('the screen descriptor is cut off');
  const u16 = (p: number) => bytes[p] | (bytes[p + 1] << 8);
  let sw = u16(6), sh = u16(8);
  const packed = bytes[10], background = bytes[11];
  let pos = 13;
  let global: Uint8Array | null = null;
  if (packed & 0x80) {
    const n = 3 << ((packed & 7) + 1);
    if (pos + n > bytes.length) throw bad('the global colour table is cut off');
    global = bytes.subarray(pos, pos + n);
    pos += n;
  }
  /** Skip data sub-blocks (a length byte, then that many bytes, until a zero length). */
  const skipBlocks = () => {
    for (;;) {
      if (pos >= bytes.length) throw bad('a data block is cut off');
      const n = bytes[pos++];
      if (n === 0) return;
      pos += n;
    }
  };
  for (;;) {
    if (pos >= bytes.length) throw bad('no image in the file');
    const intro = bytes[pos++];
    if (intro === 0x21) {
      pos++; // the extension label; graphic control, comments and application data are not needed
      skipBlocks();
    } else if (intro === 0x2c) break;
    else if (intro === 0x3b) throw bad('no image before the trailer');
    else throw bad(`unknown block 0x${intro.toString(16)} at byte ${pos - 1}`);
  }
  if (pos + 9 > bytes.length) throw bad('the image descriptor is cut off');
  const left = u16(pos), top = u16(pos + 2), fw = u16(pos + 4), fh = u16(pos + 6), fp = bytes[pos + 8];
  pos += 9;
  let table = global;
  if (fp & 0x80) {
    const n = 3 << ((fp & 7) + 1);
    if (pos + n > bytes.length) throw bad('the local colour table is cut off');
    table = bytes.subarray(pos, pos + n);
    pos += n;
  }
  if (!table) throw bad('no colour table');
  if (sw === 0 || sh === 0) [sw, sh] = [left + fw, top + fh];
  if (fw === 0 || fh === 0 || sw === 0 || sh === 0) throw new DataError(file, `zero-sized image (${fw}x${fh})`);
  if (sw * sh > MAX_PIXELS) throw new DataError(file, `image is ${sw}x${sh}; more than ${MAX_PIXELS} pixels is not supported`);
  if (pos >= bytes.length) throw bad('the image data is cut off');
  const minCode = bytes[pos++];
  if (minCode < 1 || minCode > 11) throw bad(`LZW minimum code size ${minCode}`);

  // gather the sub-blocks of LZW data
  const start = pos;
  let total = 0;
  for (;;) {
    if (pos >= bytes.length) throw bad('the image data is cut off');
    const n = bytes[pos++];
    if (n === 0) break;
    if (pos + n > bytes.length) throw bad('the image data is cut off');
    total += n;
    pos += n;
  }
  const lzw = new Uint8Array(total);
  for (let p = start, o = 0; o < total; ) {
    const n = bytes[p++];
    lzw.set(bytes.subarray(p, p + n), o);
    o += n;
    p += n;
  }
  const indices = new Uint8Array(fw * fh);
  const got = lzwDecodeGif(lzw, minCode, indices, bad);
  if (got < indices.length) throw bad(`the image data ends after ${got} of ${indices.length} pixels`);

  const colours = table.length / 3;
  let gray = true;
  for (let i = 0; i < colours && gray; i++) gray = table[i * 3] === table[i * 3 + 1] && table[i * 3 + 1] === table[i * 3 + 2];
  const channels = gray ? 1 : 3;
  const data = new Uint8Array(sw * sh * channels);
  if (background < colours) for (let p = 0; p < sw * sh; p++) for (let c = 0; c < channels; c++) data[p * channels + c] = table[background * 3 + c];
  const interlaced = (fp & 0x40) !== 0;
  const rowOrder = interlaced ? interlacedRows(fh) : null;
  for (let j = 0; j < fh; j++) {
    const y = top + (rowOrder ? rowOrder[j] : j);
    if (y >= sh) continue;
    for (let i = 0; i < fw; i++) {
      const x = left + i;
      if (x >= sw) continue;
      const k = indices[j * fw + i];
      const o = (y * sw + x) * channels;
      for (let c = 0; c < channels; c++) data[o + c] = k < colours ? table[k * 3 + c] : 0;
    }
  }
  return { width: sw, height: sh, channels, bitDepth: 8, data, format: 'gif' };
}

/** Which picture row the j-th stored row is: rows 0, 8, 16…, then 4, 12…, then 2, 6…, then 1, 3, 5…. */
function interlacedRows(h: number): Int32Array {
  const out = new Int32Array(h);
  let j = 0;
  for (const [start, step] of [[0, 8], [4, 8], [2, 4], [1, 2]]) for (let y = start; y < h; y += step) out[j++] = y;
  return out;
}

/**
 * GIF LZW: codes least significant bit first, starting minCode + 1 bits wide and growing when the table reaches the
 * next power of two, up to 12 bits; clear = 2^minCode, end = clear + 1. Returns the pixels written.
 */
function lzwDecodeGif(src: Uint8Array, minCode: number, out: Uint8Array, bad: (why: string) => Error): number {
  const clear = 1 << minCode, end = clear + 1;
  const prefix = new Int16Array(4096), suffix = new Uint8Array(4096), first = new Uint8Array(4096), length = new Uint16Array(4096);
  for (let i = 0; i < clear; i++) {
    prefix[i] = -1;
    suffix[i] = i;
    first[i] = i;
    length[i] = 1;
  }
  let width = minCode + 1, next = end + 1, prev = -1, o = 0;
  let bits = 0, nbits = 0, pos = 0;
  while (o < out.length) {
    while (nbits < width && pos < src.length) {
      bits |= src[pos++] << nbits;
      nbits += 8;
    }
    if (nbits < width) break;
    const code = bits & ((1 << width) - 1);
    bits >>>= width;
    nbits -= width;
    if (code === clear) {
      width = minCode + 1;
      next = end + 1;
      prev = -1;
      continue;
    }
    if (code === end) break;
    if (prev < 0) {
      if (code >= clear) throw bad(`LZW code ${code} right after a clear code`);
      out[o++] = code;
      prev = code;
      continue;
    }
    let entry: number;
    if (code < next) entry = code;
    else if (code === next) entry = prev;
    else throw bad(`LZW code ${code} is past the table (next entry ${next})`);
    const len = length[entry], stop = Math.min(o + len, out.length);
    for (let e = entry, i = o + len - 1; e >= 0; e = prefix[e], i--) if (i < stop) out[i] = suffix[e];
    o = stop;
    if (code === next && o < out.length) out[o++] = first[prev];
    if (next < 4096) {
      prefix[next] = prev;
      suffix[next] = code === next ? first[prev] : first[code];
      first[next] = first[prev];
      length[next] = length[prev] + 1;
      next++;
      if (next === 1 << width && width < 12) width++;
    }
    prev = code;
  }
  return o;
}
