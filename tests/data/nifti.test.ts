import { describe, expect, test, beforeAll } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readNifti, parseNifti, niftiSlices, slicePlane } from '../../src/data/nifti.js';
import { DataError } from '../../src/data/errors.js';
import { encodeNifti } from './nifti-writer.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'amsunet-nii-'));
});

const [NX, NY, NZ] = [4, 3, 5];
const at = (i: number, j: number, k: number) => i + j * NX + k * NX * NY;
const values = Array.from({ length: NX * NY * NZ }, (_, n) => (n * 7) % 100 - 20);
/** Mask: a voxel at (1, 2, k) for k = 1 and 3 only, so slices 0, 2, 4 along z are empty. */
const maskValues = values.map((_, n) => (n === at(1, 2, 1) || n === at(1, 2, 3) ? 1 : 0));

describe('NIfTI reading', () => {
  test.each([
    [2, 'uint8', values.map((x) => x + 20)],
    [256, 'int8', values],
    [4, 'int16', values.map((x) => x * 300)],
    [512, 'uint16', values.map((x) => (x + 20) * 600)],
    [8, 'int32', values.map((x) => x * 100000)],
    [16, 'float32', values.map((x) => Math.fround(x / 7))],
    [64, 'float64', values.map((x) => x / 8)],
  ])('datatype %i (%s), both byte orders', (datatype, _name, vals) => {
    for (const littleEndian of [true, false]) {
      const vol = parseNifti(encodeNifti({ dims: [NX, NY, NZ], datatype, values: vals, littleEndian }), 'v.nii');
      expect(vol.dims).toEqual([NX, NY, NZ]);
      expect(vol.datatype).toBe(datatype);
      expect(Array.from(vol.data)).toEqual(vals.map((x) => Math.fround(x)));
    }
  });

  test('.nii and .nii.gz files, scl_slope/scl_inter and vox_offset are honoured', () => {
    const bytes = encodeNifti({ dims: [NX, NY, NZ], datatype: 4, values, slope: 2, inter: -1, voxOffset: 400 });
    writeFileSync(join(dir, 'a.nii'), bytes);
    writeFileSync(join(dir, 'a.nii.gz'), gzipSync(bytes));
    for (const f of ['a.nii', 'a.nii.gz']) {
      const vol = readNifti(join(dir, f));
      expect(Array.from(vol.data)).toEqual(values.map((x) => x * 2 - 1));
    }
    const zeroSlope = parseNifti(encodeNifti({ dims: [NX, NY, NZ], datatype: 4, values, slope: 0, inter: 5 }));
    expect(Array.from(zeroSlope.data)).toEqual(values); // slope 0 means "no scaling"
  });

  test('2-D files are one slice deep', () => {
    const vol = parseNifti(encodeNifti({ dims: [NX, NY], datatype: 2, values: values.slice(0, NX * NY).map((x) => x + 20) }));
    expect(vol.dims).toEqual([NX, NY, 1]);
  });
});

describe('NIfTI slices', () => {
  const vol = parseNifti(encodeNifti({ dims: [NX, NY, NZ], datatype: 4, values }), 'img.nii');
  const mask = parseNifti(encodeNifti({ dims: [NX, NY, NZ], datatype: 2, values: maskValues }), 'mask.nii');

  test('slice planes: rows are the later remaining axis, columns the earlier', () => {
    const z = slicePlane(vol, 2, 3);
    expect([z.height, z.width]).toEqual([NY, NX]);
    expect(z.data[2 * NX + 1]).toBe(values[at(1, 2, 3)]);
    const x = slicePlane(vol, 0, 2);
    expect([x.height, x.width]).toEqual([NZ, NY]);
    expect(x.data[4 * NY + 1]).toBe(values[at(2, 1, 4)]);
    const y = slicePlane(vol, 1, 1);
    expect([y.height, y.width]).toEqual([NZ, NX]);
    expect(y.data[3 * NX + 2]).toBe(values[at(2, 1, 3)]);
  });

  test('empty mask slices are skipped; images are windowed to [0, 1]', () => {
    const s = niftiSlices(vol, mask, 2);
    expect(s.map((x) => x.index)).toEqual([1, 3]);
    expect(s[0].mask[2 * NX + 1]).toBe(1);
    expect(s[0].mask.reduce((a, b) => a + b, 0)).toBe(1);
    for (const x of s) for (const v of x.image) expect(v >= 0 && v <= 1).toBe(true);
    expect(niftiSlices(vol, mask, 0).map((x) => x.index)).toEqual([1]);
    expect(niftiSlices(vol, mask, 1).map((x) => x.index)).toEqual([2]);
  });

  test('image and mask of different shapes are an error naming both', () => {
    const other = parseNifti(encodeNifti({ dims: [NX, NY, NZ - 1], datatype: 2, values: maskValues.slice(0, NX * NY * (NZ - 1)) }), 'm2.nii');
    expect(() => niftiSlices(vol, other, 2)).toThrow('m2.nii: mask volume is 4x3x4 but image volume img.nii is 4x3x5');
  });
});

describe('NIfTI errors', () => {
  const good = encodeNifti({ dims: [NX, NY, NZ], datatype: 4, values });
  test('bad magic, truncated header and volume, unsupported types, 4-D, bad gzip', () => {
    expect(() => parseNifti(encodeNifti({ dims: [NX, NY, NZ], datatype: 4, values, magic: 'abc\0' }), 'x.nii')).toThrow(
      'x.nii: bad NIfTI magic "abc\\u0000", expected "n+1\\0"',
    );
    expect(() => parseNifti(encodeNifti({ dims: [NX, NY, NZ], datatype: 4, values, magic: 'ni1\0' }), 'x.nii')).toThrow(/a \.hdr\/\.img pair/);
    expect(() => parseNifti(good.subarray(0, 100), 'x.nii')).toThrow('x.nii: truncated NIfTI header (100 bytes, the header needs 348)');
    expect(() => parseNifti(good.subarray(0, good.length - 1), 'x.nii')).toThrow(
      `x.nii: truncated NIfTI volume: 4x3x5 int16 needs ${good.length} bytes, the file has ${good.length - 1}`,
    );
    expect(() => parseNifti(encodeNifti({ dims: [NX, NY, NZ], datatype: 1024, values }), 'x.nii')).toThrow(
      'x.nii: unsupported NIfTI datatype 1024 (int64); supported: uint8, int8, int16, uint16, int32, float32, float64',
    );
    expect(() => parseNifti(encodeNifti({ dims: [NX, NY, NZ], datatype: 32, values }), 'x.nii')).toThrow(/unsupported NIfTI datatype 32 \(complex64\)/);
    expect(() => parseNifti(encodeNifti({ dims: [NX, NY, 1, 2], datatype: 2, values: values.slice(0, 24).map(Math.abs) }), 'x.nii')).toThrow(
      'x.nii: 4-D volume [4, 3, 1, 2] is not supported; only 3-D (one time point)',
    );
    expect(() => parseNifti(gzipSync(good).subarray(0, 30), 'x.nii.gz')).toThrow(/^x\.nii\.gz: corrupt or truncated gzip data/);
    expect(() => parseNifti(new Uint8Array(400), 'x.nii')).toThrow('x.nii: not a NIfTI-1 file (sizeof_hdr is 0, expected 348)');
    expect(() => readNifti(join(dir, 'missing.nii'))).toThrow(`${join(dir, 'missing.nii')}: no such file or folder (ENOENT)`);
  });

  test('random truncations and byte flips give DataError or a volume, never another error', () => {
    const gz = gzipSync(good);
    fc.assert(
      fc.property(fc.boolean(), fc.nat(), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 4 }), (zip, cutSeed, flips) => {
        const src = zip ? gz : good;
        const b = Uint8Array.from(src.subarray(0, cutSeed % (src.length + 1)));
        for (const [i, x] of flips) if (b.length) b[i % b.length] ^= x;
        try {
          const v = parseNifti(b, 'fuzz.nii');
          expect(v.data.length).toBe(v.dims[0] * v.dims[1] * v.dims[2]);
        } catch (e) {
          expect(e).toBeInstanceOf(DataError);
          expect((e as Error).message).toMatch(/^fuzz\.nii: /);
        }
      }),
      { numRuns: 400, seed: 11 },
    );
  });
});
