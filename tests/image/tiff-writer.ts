/**
 * A small independent TIFF writer for test fixtures: 1, 8 or 16-bit samples, gray/RGB/palette, strips or tiles,
 * chunky or planar, little or big endian, no compression, LZW, deflate (8 or 32946) or PackBits, and the horizontal
 * predictor. Its LZW encoder is written from TIFF 6.0 §13 separately from the decoder.
 */
import { deflateSync } from 'node:zlib';

export type TiffCompression = 'none' | 'lzw' | 'deflate' | 'adobe-deflate' | 'packbits';
const CODES: Record<TiffCompression, number> = { none: 1, lzw: 5, deflate: 32946, 'adobe-deflate': 8, packbits: 32773 };

export interface TiffSpec {
  width: number;
  height: number;
  spp: number;
  bits: 1 | 8 | 16;
  /** Samples interleaved per pixel, row-major (for 1-bit: 0 or 1). */
  samples: ArrayLike<number>;
  compression?: TiffCompression;
  predictor?: boolean;
  rowsPerStrip?: number;
  tile?: [number, number];
  bigEndian?: boolean;
  planar?: boolean;
  /** 0 WhiteIsZero, 1 BlackIsZero, 2 RGB, 3 palette; default 1 or 2 by spp. */
  photometric?: number;
  /** palette: 3 · 2^bits 16-bit values (reds, greens, blues). */
  colorMap?: number[];
  /** Extra fields [tag, type, values] (e.g. an unsupported compression or sample format). */
  extra?: [number, number, number[]][];
  /** Leave out StripByteCounts (some writers do for uncompressed files). */
  omitByteCounts?: boolean;
}

/** TIFF LZW: MSB-first codes, clear first, width grows one code early, clear again before the table fills. */
export function lzwEncodeTiff(data: Uint8Array): Uint8Array {
  const out: number[] = [];
  let acc = 0, n = 0;
  const put = (code: number, width: number) => {
    acc = (acc << width) | code;
    n += width;
    while (n >= 8) {
      out.push((acc >>> (n - 8)) & 255);
      n -= 8;
    }
    acc &= (1 << n) - 1;
  };
  // the table maps (code of w) · 256 + next byte → the code of w + byte
  let dict = new Map<number, number>();
  let next = 258, width = 9;
  const widen = () => {
    if (next === 512 || next === 1024 || next === 2048) width++; // the decoder, one entry behind, widens after 510, 1022, 2046
  };
  put(256, width);
  let w = -1;
  for (let i = 0; i < data.length; i++) {
    const c = data[i];
    if (w < 0) {
      w = c;
      continue;
    }
    const hit = dict.get(w * 256 + c);
    if (hit !== undefined) {
      w = hit;
      continue;
    }
    put(w, width);
    dict.set(w * 256 + c, next++);
    widen();
    if (next === 4094) {
      put(256, width);
      dict = new Map();
      next = 258;
      width = 9;
    }
    w = c;
  }
  if (w >= 0) {
    put(w, width);
    next++;
    widen();
  }
  put(257, width);
  if (n > 0) out.push((acc << (8 - n)) & 255);
  return Uint8Array.from(out);
}

/** PackBits: literal runs up to 128 bytes, repeats of 2..128. */
export function packBits(data: Uint8Array): Uint8Array {
  const out: number[] = [];
  let i = 0;
  while (i < data.length) {
    let run = 1;
    while (i + run < data.length && run < 128 && data[i + run] === data[i]) run++;
    if (run >= 2) {
      out.push((257 - run) & 255, data[i]);
      i += run;
      continue;
    }
    let lit = 1;
    while (i + lit < data.length && lit < 128 && !(i + lit + 1 < data.length && data[i + lit] === data[i + lit + 1])) lit++;
    out.push(lit - 1, ...data.subarray(i, i + lit));
    i += lit;
  }
  return Uint8Array.from(out);
}

export function encodeTiff(s: TiffSpec): Uint8Array {
  const le = !s.bigEndian;
  const compression = s.compression ?? 'none';
  const planes = s.planar ? s.spp : 1, spb = s.planar ? 1 : s.spp;
  const [bw, bh] = s.tile ?? [s.width, Math.min(s.rowsPerStrip ?? s.height, s.height)];
  const across = Math.ceil(s.width / bw), down = Math.ceil(s.height / bh);
  const rowBytes = Math.ceil((bw * spb * s.bits) / 8);
  const blocks: Uint8Array[] = [];
  for (let p = 0; p < planes; p++) {
    for (let k = 0; k < across * down; k++) {
      const bx = (k % across) * bw, by = Math.floor(k / across) * bh;
      const rows = s.tile ? bh : Math.min(bh, s.height - by);
      const raw = new Uint8Array(rowBytes * rows);
      for (let y = 0; y < rows; y++) {
        // the previous sample of the same channel, for the predictor
        const prev = new Array(spb).fill(0);
        for (let x = 0; x < bw; x++) {
          for (let c = 0; c < spb; c++) {
            const inside = by + y < s.height && bx + x < s.width;
            let v = inside ? s.samples[((by + y) * s.width + bx + x) * s.spp + p + c] : 0;
            if (s.predictor) {
              const d = v - prev[c];
              prev[c] = v;
              v = s.bits === 16 ? d & 0xffff : d & 255;
            }
            const i = x * spb + c;
            if (s.bits === 8) raw[y * rowBytes + i] = v;
            else if (s.bits === 16) {
              raw[y * rowBytes + i * 2 + (le ? 0 : 1)] = v & 255;
              raw[y * rowBytes + i * 2 + (le ? 1 : 0)] = v >> 8;
            } else if (v) raw[y * rowBytes + (i >> 3)] |= 0x80 >> (i & 7);
          }
        }
      }
      blocks.push(compression === 'none' ? raw : compression === 'lzw' ? lzwEncodeTiff(raw) : compression === 'packbits' ? packBits(raw) : deflateSync(raw));
    }
  }
  const photometric = s.photometric ?? (s.spp >= 3 ? 2 : 1);
  const fields: [number, number, number[]][] = [
    [256, 4, [s.width]],
    [257, 4, [s.height]],
    [258, 3, new Array(s.spp).fill(s.bits)],
    [259, 3, [CODES[compression]]],
    [262, 3, [photometric]],
    [277, 3, [s.spp]],
    [284, 3, [s.planar ? 2 : 1]],
  ];
  if (s.predictor) fields.push([317, 3, [2]]);
  if (s.colorMap) fields.push([320, 3, s.colorMap]);
  if (s.spp === 2 || s.spp === 4) fields.push([338, 3, [2]]);
  // block data right after the 8-byte header
  let pos = 8;
  const offsets = blocks.map((b) => {
    const o = pos;
    pos += b.length;
    return o;
  });
  if (s.tile) fields.push([322, 3, [bw]], [323, 3, [bh]], [324, 4, offsets], [325, 4, blocks.map((b) => b.length)]);
  else {
    fields.push([273, 4, offsets], [278, 4, [bh]]);
    if (!s.omitByteCounts) fields.push([279, 4, blocks.map((b) => b.length)]);
  }
  for (const e of s.extra ?? []) {
    const i = fields.findIndex((f) => f[0] === e[0]);
    if (i >= 0) fields[i] = e;
    else fields.push(e);
  }
  fields.sort((a, b) => a[0] - b[0]);
  // out-of-line values after the blocks, then the directory
  const size = (t: number) => (t === 3 ? 2 : 4);
  const valueStart = pos;
  for (const [, t, v] of fields) if (v.length * size(t) > 4) pos += v.length * size(t) + ((v.length * size(t)) & 1);
  const ifd = pos + (pos & 1);
  const total = ifd + 2 + fields.length * 12 + 4;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  out.set(le ? [0x49, 0x49, 42, 0] : [0x4d, 0x4d, 0, 42]);
  dv.setUint32(4, ifd, le);
  blocks.forEach((b, i) => out.set(b, offsets[i]));
  let vp = valueStart;
  dv.setUint16(ifd, fields.length, le);
  fields.forEach(([tag, t, v], i) => {
    const e = ifd + 2 + i * 12;
    dv.setUint16(e, tag, le);
    dv.setUint16(e + 2, t, le);
    dv.setUint32(e + 4, v.length, le);
    const bytes = v.length * size(t);
    const at = bytes > 4 ? vp : e + 8;
    if (bytes > 4) {
      dv.setUint32(e + 8, vp, le);
      vp += bytes + (bytes & 1);
    }
    v.forEach((x, k) => (t === 3 ? dv.setUint16(at + k * 2, x, le) : dv.setUint32(at + k * 4, x, le)));
  });
  return out;
}
