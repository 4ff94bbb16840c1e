/**
 * PNG files at the chunk level, for fuzzing: an encoder for any colour type, bit depth and Adam7 interlacing
 * (filter 0 on every row), a chunk splitter/joiner that recomputes CRCs (so a mutation reaches the decoder instead
 * of stopping at the CRC check), and the size of the raw scanline data a header promises.
 */
import fc from 'fast-check';
import { crc32, deflateSync } from 'node:zlib';

export interface PngSpec {
  width: number;
  height: number;
  /** 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA */
  colorType: number;
  bitDepth: number;
  interlace?: boolean;
  /** Samples row-major, interleaved per pixel; palette: one index per pixel. */
  samples: ArrayLike<number>;
  palette?: [number, number, number][];
}

export interface Chunk {
  type: string;
  data: Uint8Array;
}

export const SIGNATURE = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
export const SAMPLES_PER_PIXEL: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
/** The colour type / bit depth pairs the PNG standard allows. */
export const VALID_DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };

/** Adam7 passes: [x0, y0, dx, dy]. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

/** Sub-images [width, height] the image is stored as: one, or the 7 Adam7 passes (empty passes omitted). */
export function subImages(width: number, height: number, interlace: boolean): [number, number][] {
  if (!interlace) return [[width, height]];
  return ADAM7.map(([x0, y0, dx, dy]) => [Math.ceil(Math.max(0, width - x0) / dx), Math.ceil(Math.max(0, height - y0) / dy)] as [number, number]).filter(
    ([w, h]) => w > 0 && h > 0,
  );
}

/** Bytes of filtered scanline data a header promises: Σ over sub-images of h · (1 + ceil(w · spp · depth / 8)). */
export function rawSize(width: number, height: number, colorType: number, bitDepth: number, interlace: boolean): number {
  const spp = SAMPLES_PER_PIXEL[colorType] ?? 1;
  return subImages(width, height, interlace).reduce((s, [w, h]) => s + h * (1 + Math.ceil((w * spp * bitDepth) / 8)), 0);
}

/** The filtered (type 0) scanlines of an image, Adam7-ordered when interlaced. */
export function scanlines(p: PngSpec): Buffer {
  const spp = SAMPLES_PER_PIXEL[p.colorType];
  const passes = p.interlace ? ADAM7 : [[0, 0, 1, 1]];
  const rows: Buffer[] = [];
  for (const [x0, y0, dx, dy] of passes) {
    const xs: number[] = [];
    for (let x = x0; x < p.width; x += dx) xs.push(x);
    if (xs.length === 0) continue;
    for (let y = y0; y < p.height; y += dy) {
      const row = Buffer.alloc(1 + Math.ceil((xs.length * spp * p.bitDepth) / 8));
      xs.forEach((x, k) => {
        for (let s = 0; s < spp; s++) {
          const v = p.samples[(y * p.width + x) * spp + s];
          const i = k * spp + s;
          if (p.bitDepth === 16) row.writeUInt16BE(v, 1 + i * 2);
          else if (p.bitDepth === 8) row[1 + i] = v;
          else {
            const bit = i * p.bitDepth;
            row[1 + (bit >> 3)] |= v << (8 - p.bitDepth - (bit & 7));
          }
        }
      });
      rows.push(row);
    }
  }
  return Buffer.concat(rows);
}

export function ihdr(width: number, height: number, bitDepth: number, colorType: number, interlace = 0, compression = 0, filter = 0): Chunk {
  const d = Buffer.alloc(13);
  d.writeUInt32BE(width >>> 0, 0);
  d.writeUInt32BE(height >>> 0, 4);
  d[8] = bitDepth;
  d[9] = colorType;
  d[10] = compression;
  d[11] = filter;
  d[12] = interlace;
  return { type: 'IHDR', data: d };
}

/** The chunks of a well-formed PNG for the spec. */
export function pngChunks(p: PngSpec): Chunk[] {
  const chunks = [ihdr(p.width, p.height, p.bitDepth, p.colorType, p.interlace ? 1 : 0)];
  if (p.palette) chunks.push({ type: 'PLTE', data: Uint8Array.from(p.palette.flat()) });
  chunks.push({ type: 'IDAT', data: deflateSync(scanlines(p)) }, { type: 'IEND', data: new Uint8Array(0) });
  return chunks;
}

/** Signature + chunks, each with its length and a correct CRC. */
export function joinChunks(chunks: Chunk[]): Buffer {
  const parts: Buffer[] = [Buffer.from(SIGNATURE)];
  for (const c of chunks) {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(c.data.length, 0);
    head.write(c.type.padEnd(4, ' ').slice(0, 4), 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), c.data])) >>> 0);
    parts.push(head, Buffer.from(c.data), crc);
  }
  return Buffer.concat(parts);
}

export const encodePngSpec = (p: PngSpec): Buffer => joinChunks(pngChunks(p));

/** A deterministic sample pattern that fits the bit depth (palette: indices into a palette of `paletteSize`). */
export function patternSamples(width: number, height: number, colorType: number, bitDepth: number, seed: number, paletteSize = 4): number[] {
  const n = width * height * SAMPLES_PER_PIXEL[colorType];
  const max = colorType === 3 ? paletteSize - 1 : 2 ** bitDepth - 1;
  return Array.from({ length: n }, (_, i) => (((i + 1) * 2654435761 + seed * 97) >>> 0) % (max + 1));
}

/** Small well-formed images of every colour type, allowed bit depth and interlacing. */
export const specArb: fc.Arbitrary<PngSpec> = fc
  .tuple(fc.constantFrom(0, 2, 3, 4, 6), fc.nat(), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }), fc.boolean(), fc.nat(1000))
  .map(([colorType, d, width, height, interlace, seed]) => {
    const depths = VALID_DEPTHS[colorType];
    const bitDepth = depths[d % depths.length];
    const paletteSize = Math.min(2 ** bitDepth, 1 + (seed % 6));
    const palette = colorType === 3 ? Array.from({ length: paletteSize }, (_, i) => [i * 40, 255 - i * 30, (i * 77) % 256] as [number, number, number]) : undefined;
    return { width, height, colorType, bitDepth, interlace, palette, samples: patternSamples(width, height, colorType, bitDepth, seed, paletteSize) };
  });

/** A structural change to a PNG's chunk list (the CRCs are recomputed when joined). */
export type Mutation = (chunks: Chunk[], spec: PngSpec) => Chunk[];
const chunkTypes = ['IHDR', 'PLTE', 'IDAT', 'IEND', 'tRNS', 'gAMA', 'sBIT', 'bKGD', 'zzzz', 'ABCD', 'iDAT'];
export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.nat().map((i): Mutation => (cs) => cs.filter((_, k) => k !== i % cs.length)),
  fc.nat().map((i): Mutation => (cs) => [...cs.slice(0, (i % cs.length) + 1), cs[i % cs.length], ...cs.slice((i % cs.length) + 1)]),
  fc.tuple(fc.nat(), fc.nat()).map(([i, j]): Mutation => (cs) => {
    const out = [...cs];
    [out[i % cs.length], out[j % cs.length]] = [out[j % cs.length], out[i % cs.length]];
    return out;
  }),
  fc.tuple(fc.nat(), fc.constantFrom(...chunkTypes), fc.uint8Array({ maxLength: 24 })).map(([i, type, data]): Mutation => (cs) => [...cs.slice(0, i % (cs.length + 1)), { type, data }, ...cs.slice(i % (cs.length + 1))]),
  // IDAT re-compressed from too few, too many or random scanline bytes (a correct zlib stream of the wrong length)
  fc.tuple(fc.integer({ min: -40, max: 40 }), fc.option(fc.uint8Array({ maxLength: 64 }), { nil: undefined })).map(([delta, random]): Mutation => (cs, spec) => {
    const raw = scanlines(spec);
    const body = random ?? (delta < 0 ? raw.subarray(0, Math.max(0, raw.length + delta)) : Buffer.concat([raw, Buffer.alloc(delta, 7)]));
    return cs.map((c) => (c.type === 'IDAT' ? { type: 'IDAT', data: deflateSync(body) } : c));
  }),
  // IDAT split in two chunks, or its zlib stream cut short
  fc.tuple(fc.boolean(), fc.double({ min: 0, max: 1, noNaN: true })).map(([split, frac]): Mutation => (cs) =>
    cs.flatMap((c) => {
      if (c.type !== 'IDAT') return [c];
      const at = Math.floor(frac * c.data.length);
      return split ? [{ type: 'IDAT', data: c.data.subarray(0, at) }, { type: 'IDAT', data: c.data.subarray(at) }] : [{ type: 'IDAT', data: c.data.subarray(0, at) }];
    }),
  ),
  // IHDR fields: small sizes only here (large lying sizes are the child-process test), any depth/type/method byte
  fc
    .tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 40 }), fc.constantFrom(0, 1, 2, 3, 4, 5, 8, 16, 255), fc.constantFrom(0, 1, 2, 3, 4, 5, 6, 7, 255), fc.constantFrom(0, 0, 0, 1, 255), fc.constantFrom(0, 0, 0, 1, 255), fc.constantFrom(0, 1, 2, 255))
    .map(([w, h, depth, type, compression, filter, interlace]): Mutation => (cs) => cs.map((c) => (c.type === 'IHDR' ? ihdr(w, h, depth, type, interlace, compression, filter) : c))),
  // IHDR of the wrong length
  fc.integer({ min: 0, max: 20 }).map((n): Mutation => (cs) => cs.map((c) => (c.type === 'IHDR' ? { type: 'IHDR', data: Uint8Array.from({ length: n }, (_, i) => c.data[i] ?? 1) } : c))),
);
