/**
 * A minimal independent PNG encoder for test fixtures (any colour type, bit depth 1-16, palette), so the reader is
 * not only tested against the library it is built on. Filter type 0 on every row, no interlace.
 */
import { deflateSync, crc32 } from 'node:zlib';

export interface RawPng {
  width: number;
  height: number;
  /** 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA */
  colorType: 0 | 2 | 3 | 4 | 6;
  bitDepth: 1 | 2 | 4 | 8 | 16;
  /** Samples row-major, interleaved per pixel (palette: one index per pixel). */
  samples: ArrayLike<number>;
  palette?: [number, number, number][];
}

const SAMPLES_PER_PIXEL = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as const;

function chunk(type: string, data: Uint8Array): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), Buffer.from(data)]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([len, body, crc]);
}

export function encodeRawPng(p: RawPng): Buffer {
  const spp = SAMPLES_PER_PIXEL[p.colorType];
  const rowBits = p.width * spp * p.bitDepth;
  const rowBytes = Math.ceil(rowBits / 8);
  const raw = Buffer.alloc((rowBytes + 1) * p.height);
  for (let y = 0; y < p.height; y++) {
    const row = y * (rowBytes + 1) + 1;
    for (let i = 0; i < p.width * spp; i++) {
      const v = p.samples[y * p.width * spp + i];
      if (p.bitDepth === 16) raw.writeUInt16BE(v, row + i * 2);
      else if (p.bitDepth === 8) raw[row + i] = v;
      else {
        const bit = i * p.bitDepth;
        raw[row + (bit >> 3)] |= v << (8 - p.bitDepth - (bit & 7));
      }
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(p.width, 0);
  ihdr.writeUInt32BE(p.height, 4);
  ihdr[8] = p.bitDepth;
  ihdr[9] = p.colorType;
  const parts = [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr)];
  if (p.palette) parts.push(chunk('PLTE', Uint8Array.from(p.palette.flat())));
  parts.push(chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0)));
  return Buffer.concat(parts);
}
