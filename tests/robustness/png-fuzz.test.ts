/**
 * Hostile PNG bytes for the image and mask readers: truncations and byte flips of every colour type, bit depth and
 * Adam7 interlacing, structural mutations with correct CRCs (dropped, repeated, swapped, inserted chunks, IHDR
 * fields, re-compressed IDAT of the wrong length), and garbage. Every failure must be a one-line DataError naming
 * the file; every success a well-formed image or mask; nothing may hang.
 * (Headers that lie about a large size, and image data shorter than the header promises, are the pending tests in
 * tests/robustness/pending/png-data.pending.ts: pngjs 7 decodes both without complaint today.)
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { DataError } from '../../src/data/errors.js';
import { imageFromPngBytes, maskFromPngBytes } from '../../src/data/png.js';
import { flipBytes, ownError, ownErrorOrValue } from './own-error.js';
import { encodePngSpec, ihdr, joinChunks, mutationArb, pngChunks, SIGNATURE, specArb } from './png-build.js';

const FILE = 'fuzz.png';


/**
 * Both readers either fail with their own error or return something well-formed. (Whether a success is also
 * right - not decoded from missing image data - is tests/robustness/pending/png-data.pending.ts, which fails today.)
 */
function readBoth(bytes: Uint8Array): void {
  const img = ownErrorOrValue(() => imageFromPngBytes(bytes, FILE), DataError, FILE).value;
  if (img) {
    expect(img.width * img.height).toBeGreaterThan(0);
    expect(img.data.length).toBe(img.width * img.height * img.channels);
    for (const v of img.data) if (!(v >= 0 && v <= 1)) throw new Error(`image value ${v} outside [0, 1]`);
  }
  const mask = ownErrorOrValue(() => maskFromPngBytes(bytes, FILE), DataError, FILE).value;
  if (mask) {
    expect(mask.values.length).toBe(mask.width * mask.height);
    for (const v of mask.values) if (!(Number.isInteger(v) && v >= 0 && v <= 65535)) throw new Error(`mask value ${v} is not a sample value`);
  }
}


describe('PNG readers under hostile input', () => {
  test('well-formed files of every colour type, depth and interlacing decode with the right size', () => {
    fc.assert(
      fc.property(specArb, (spec) => {
        const bytes = encodePngSpec(spec);
        const img = imageFromPngBytes(bytes, FILE);
        const mask = maskFromPngBytes(bytes, FILE);
        expect([img.width, img.height, mask.width, mask.height]).toEqual([spec.width, spec.height, spec.width, spec.height]);
        expect(img.channels).toBe(spec.colorType === 0 || spec.colorType === 4 ? 1 : 3);
        if (spec.colorType === 0 || spec.colorType === 3) expect(Array.from(mask.values)).toEqual(Array.from(spec.samples));
      }),
      { numRuns: 150, seed: 201 },
    );
  });

  test('every truncation is a DataError naming the file', () => {
    fc.assert(
      fc.property(specArb, fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (spec, frac) => {
        const bytes = encodePngSpec(spec);
        const cut = bytes.subarray(0, Math.floor(frac * bytes.length));
        ownError(() => imageFromPngBytes(cut, FILE), DataError, FILE);
        ownError(() => maskFromPngBytes(cut, FILE), DataError, FILE);
      }),
      { numRuns: 300, seed: 202 },
    );
  });

  test('byte flips give a DataError or a well-formed image', () => {
    fc.assert(
      fc.property(specArb, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), (spec, flips) => {
        const bytes = encodePngSpec(spec);
        readBoth(flipBytes(bytes, flips.map(([i, x]) => [i % bytes.length, x])));
      }),
      { numRuns: 300, seed: 203 },
    );
  });

  test('chunk-level mutations with correct CRCs give a DataError or a well-formed image', () => {
    fc.assert(
      fc.property(specArb, fc.array(mutationArb, { minLength: 1, maxLength: 3 }), (spec, mutations) => {
        const chunks = mutations.reduce((cs, m) => (cs.length ? m(cs, spec) : cs), pngChunks(spec));
        readBoth(joinChunks(chunks));
      }),
      { numRuns: 1500, seed: 204 },
    );
  });

  test('garbage, with or without the PNG signature, is a DataError', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.uint8Array({ maxLength: 200 }), (signed, tail) => {
        const bytes = signed ? Buffer.concat([SIGNATURE, tail]) : tail;
        ownError(() => imageFromPngBytes(bytes, FILE), DataError, FILE);
        ownError(() => maskFromPngBytes(bytes, FILE), DataError, FILE);
      }),
      { numRuns: 400, seed: 205 },
    );
  });

  test('a zero-sized image is named as such', () => {
    const good = pngChunks({ width: 4, height: 4, colorType: 0, bitDepth: 8, samples: new Array(16).fill(9) });
    for (const [w, h] of [[0, 4], [4, 0], [0, 0]]) {
      const err = ownError(() => imageFromPngBytes(joinChunks([ihdr(w, h, 8, 0), ...good.slice(1)]), FILE), DataError, FILE);
      expect(err.message).toMatch(new RegExp(`^fuzz\\.png: (zero-sized image \\(${w}x${h}\\)|truncated or corrupt PNG)`));
    }
  });
});
