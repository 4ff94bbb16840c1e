/**
 * Hostile NIfTI-1 bytes: random header fields written raw (sizeof_hdr, dim[0..7] over the whole int16 range,
 * datatype, bitpix, vox_offset incl. NaN/Inf/fractions/huge, scl_slope/inter, magic) in both byte orders, plain and
 * gzip, truncations, flips, garbage, and slicing of hostile volume pairs. Every failure must be a one-line DataError
 * naming the file; every success a consistent volume; a header promising 32767^3 voxels must fail before allocating.
 */
import fc from 'fast-check';
import { gzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { DataError } from '../../src/data/errors.js';
import { niftiSlices, parseNifti, type NiftiVolume } from '../../src/data/nifti.js';
import { flipBytes, ownError, ownErrorOrValue } from './own-error.js';

const FILE = 'fuzz.nii';

interface Header {
  le: boolean;
  sizeofHdr: number;
  dim: number[]; // dim[0..7]
  datatype: number;
  bitpix: number;
  voxOffset: number;
  slope: number;
  inter: number;
  magic: readonly number[];
}

const BYTES: Record<number, number> = { 2: 1, 4: 2, 8: 4, 16: 4, 64: 8, 256: 1, 512: 2 };

function niftiBytes(h: Header, body: Uint8Array): Uint8Array {
  const off = Number.isFinite(h.voxOffset) && h.voxOffset >= 348 && h.voxOffset < 4096 ? Math.floor(h.voxOffset) : 352;
  const out = new Uint8Array(off + body.length);
  const v = new DataView(out.buffer);
  v.setInt32(0, h.sizeofHdr, h.le);
  h.dim.forEach((d, i) => v.setInt16(40 + 2 * i, d, h.le));
  v.setInt16(70, h.datatype, h.le);
  v.setInt16(72, h.bitpix, h.le);
  for (let d = 0; d < 8; d++) v.setFloat32(76 + 4 * d, 1, h.le);
  v.setFloat32(108, h.voxOffset, h.le);
  v.setFloat32(112, h.slope, h.le);
  v.setFloat32(116, h.inter, h.le);
  h.magic.forEach((c, i) => (out[344 + i] = c));
  out.set(body, off);
  return out;
}

/** A well-formed header for dims and datatype, and the body bytes it needs. */
function validHeader(dims: number[], datatype: number, le: boolean): Header {
  return { le, sizeofHdr: 348, dim: [dims.length, ...dims, ...new Array(7 - dims.length).fill(1)], datatype, bitpix: BYTES[datatype] * 8, voxOffset: 352, slope: 1, inter: 0, magic: [0x6e, 0x2b, 0x31, 0] };
}

const int16 = fc.oneof(fc.integer({ min: -2, max: 6 }), fc.constantFrom(-32768, -1, 0, 255, 256, 32767), fc.integer({ min: -32768, max: 32767 }));
const f32 = fc.oneof(fc.constantFrom(0, 1, -1, 348, 352, 352.5, 347, 1e30, -1e30, 2 ** 31, NaN, Infinity, -Infinity, 1e-40), fc.float());
const headerArb: fc.Arbitrary<Header> = fc.record({
  le: fc.boolean(),
  sizeofHdr: fc.oneof({ weight: 8, arbitrary: fc.constant(348) }, fc.constant(348 << 24), fc.integer()),
  dim: fc.tuple(fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 4 }) }, int16), fc.array(fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 1, max: 5 }) }, int16), { minLength: 7, maxLength: 7 })).map(([n, rest]) => [n, ...rest]),
  datatype: fc.oneof(fc.constantFrom(2, 4, 8, 16, 64, 256, 512), fc.constantFrom(0, 1, 32, 128, 768, 1024, 2304, -1), int16),
  bitpix: int16,
  voxOffset: fc.oneof({ weight: 3, arbitrary: fc.constant(352) }, f32),
  slope: f32,
  inter: f32,
  magic: fc.oneof({ weight: 8, arbitrary: fc.constant([0x6e, 0x2b, 0x31, 0]) }, fc.constant([0x6e, 0x69, 0x31, 0]), fc.array(fc.nat(255), { minLength: 4, maxLength: 4 })),
});

function consistent(v: NiftiVolume): void {
  expect(v.dims.every((d) => Number.isInteger(d) && d >= 1)).toBe(true);
  expect(v.data.length).toBe(v.dims[0] * v.dims[1] * v.dims[2]);
  expect(v.spacing.every((s) => Number.isFinite(s) && s > 0)).toBe(true);
}

const validVolume = fc
  .tuple(fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 }), fc.constantFrom(2, 4, 8, 16, 64, 256, 512), fc.boolean(), fc.boolean())
  .map(([dims, datatype, le, zip]) => {
    const n = dims.reduce((a, b) => a * b, 1);
    const body = Uint8Array.from({ length: n * BYTES[datatype] }, (_, i) => (i * 37) % 251);
    const bytes = niftiBytes(validHeader(dims, datatype, le), body);
    return zip ? gzipSync(bytes) : bytes;
  });

describe('NIfTI reader under hostile input', () => {
  test('well-formed volumes (both byte orders, plain and gzip) parse', () => {
    fc.assert(fc.property(validVolume, (bytes) => consistent(parseNifti(bytes, FILE))), { numRuns: 100, seed: 401 });
  });

  test('every truncation is a DataError naming the file', () => {
    fc.assert(
      fc.property(validVolume, fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (bytes, frac) => {
        ownError(() => parseNifti(bytes.subarray(0, Math.floor(frac * bytes.length)), FILE), DataError, FILE);
      }),
      { numRuns: 400, seed: 402 },
    );
  });

  test('byte flips give a DataError or a consistent volume', () => {
    fc.assert(
      fc.property(validVolume, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 6 }), (bytes, flips) => {
        const out = ownErrorOrValue(() => parseNifti(flipBytes(bytes, flips.map(([i, x]) => [i % bytes.length, x])), FILE), DataError, FILE);
        if (out.value) consistent(out.value);
      }),
      { numRuns: 500, seed: 403 },
    );
  });

  test('random header fields give a DataError or a consistent volume, fast', () => {
    fc.assert(
      fc.property(headerArb, fc.uint8Array({ maxLength: 200 }), fc.boolean(), (h, body, zip) => {
        const raw = niftiBytes(h, body);
        const out = ownErrorOrValue(() => parseNifti(zip ? gzipSync(raw) : raw, FILE), DataError, FILE, 1000);
        if (out.value) consistent(out.value);
      }),
      { numRuns: 2000, seed: 404 },
    );
  });

  test('a header promising 32767^3 voxels of float64 fails before allocating', () => {
    const h = validHeader([32767, 32767, 32767], 64, true);
    const before = process.resourceUsage().maxRSS;
    const err = ownError(() => parseNifti(niftiBytes(h, new Uint8Array(64)), FILE), DataError, FILE, 1000);
    expect(err.message).toMatch(/^fuzz\.nii: truncated NIfTI volume: 32767x32767x32767 float64 needs \d+ bytes, the file has 416$/);
    expect((process.resourceUsage().maxRSS - before) / 1024).toBeLessThan(16);
  });

  test('garbage, and gzip of garbage, is a DataError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.boolean(), (bytes, zip) => {
        const out = ownErrorOrValue(() => parseNifti(zip ? gzipSync(bytes) : bytes, FILE), DataError, FILE);
        if (out.value) consistent(out.value);
      }),
      { numRuns: 400, seed: 405 },
    );
  });

  test('slicing hostile volume pairs gives a DataError naming a file, or well-formed slices', () => {
    const volume = (file: string) =>
      fc
        .tuple(fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 3, maxLength: 3 }), fc.array(fc.constantFrom(0, 1, 2, 255, -3.5, 1e30, NaN, Infinity, -Infinity), { maxLength: 64 }))
        .map(([dims, vals]): NiftiVolume => {
          const n = dims[0] * dims[1] * dims[2];
          return { dims: dims as [number, number, number], spacing: [1, 1, 1], datatype: 16, data: Float32Array.from({ length: n }, (_, i) => vals[i % Math.max(1, vals.length)] ?? 0), file };
        });
    fc.assert(
      fc.property(volume('img.nii'), volume('mask.nii'), fc.constantFrom(0, 1, 2) as fc.Arbitrary<0 | 1 | 2>, (img, mask, axis) => {
        let slices: ReturnType<typeof niftiSlices> | undefined;
        try {
          slices = niftiSlices(img, mask, axis);
        } catch (e) {
          expect(e).toBeInstanceOf(DataError);
          expect((e as Error).message).toMatch(/^(img|mask)\.nii: [^\n]+$/);
          return;
        }
        for (const s of slices) {
          expect(s.image.length).toBe(s.height * s.width);
          expect(s.mask.length).toBe(s.height * s.width);
          for (const v of s.image) if (!(v >= 0 && v <= 1)) throw new Error(`slice value ${v} outside [0, 1]`);
          for (const m of s.mask) if (!Number.isInteger(m)) throw new Error(`mask value ${m} is not an integer`);
        }
      }),
      { numRuns: 500, seed: 406 },
    );
  });
});
