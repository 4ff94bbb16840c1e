/** PNG encoding: 8-bit gray, gray+alpha, RGB or RGBA, no interlace, row filter None, zlib level 6 (fflate). */
import { zlibSync } from 'fflate';
import { DataError } from './errors.js';
import { crc32 } from './checksum.js';
import { PNG_SIGNATURE } from './png.js';

const COLOUR_TYPE = { 1: 0, 2: 4, 3: 2, 4: 6 } as const;

/**
 * Encode 8-bit pixels, interleaved HWC (channels 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA), as PNG bytes.
 * Values are clamped to [0, 255] and rounded.
 */
export function encodePng(data: ArrayLike<number>, width: number, height: number, channels: 1 | 2 | 3 | 4): Uint8Array {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) throw new DataError('png', `cannot write a zero-sized image (${width}x${height})`);
  if (!(channels in COLOUR_TYPE)) throw new DataError('png', `cannot write ${channels} channels (1, 2, 3 or 4)`);
  if (data.length !== width * height * channels) throw new DataError('png', `pixel buffer has ${data.length} values, expected ${width}x${height}x${channels}`);
  const rowLen = width * channels;
  const raw = new Uint8Array((rowLen + 1) * height); // each row: filter byte 0, then the samples
  for (let y = 0; y < height; y++) {
    const o = y * (rowLen + 1) + 1, s = y * rowLen;
    for (let i = 0; i < rowLen; i++) {
      const v = data[s + i];
      raw[o + i] = v >= 255 ? 255 : v > 0 ? Math.round(v) : 0; // NaN → 0
    }
  }
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, height);
  ihdr[8] = 8;
  ihdr[9] = COLOUR_TYPE[channels];
  const chunks = [chunk('IHDR', ihdr), chunk('IDAT', zlibSync(raw, { level: 6 })), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(8 + chunks.reduce((a, c) => a + c.length, 0));
  out.set(PNG_SIGNATURE, 0);
  let pos = 8;
  for (const c of chunks) {
    out.set(c, pos);
    pos += c.length;
  }
  return out;
}

/** length, type, data, CRC-32 of type + data. */
function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  dv.setUint32(8 + data.length, crc32(out, 4, 8 + data.length));
  return out;
}
