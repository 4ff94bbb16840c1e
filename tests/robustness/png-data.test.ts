/**
 * PNG image data that is missing, shorter than the header promises, or announced by a header that lies about a large
 * size. pngjs 7's synchronous inflate (lib/sync-inflate.js) passes
 * zlib's [availOutAfter, availInAfter] to a callback that reads them as (availInAfter, availOutAfter), so it always
 * reports a full output buffer: short or absent IDAT data decodes "successfully" from uninitialised memory
 * (Buffer.allocUnsafe), different on every call, after allocating everything the header asks for. src/data/png.ts
 * therefore walks the chunks and inflates the image data itself before pngjs decodes.
 */
import fc from 'fast-check';
import { deflateSync, inflateSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { DataError } from '../../src/data/errors.js';
import { imageFromPngBytes, maskFromPngBytes } from '../../src/data/png.js';
import { ownError, ownErrorOrValue } from './own-error.js';
import { ihdr, joinChunks, mutationArb, pngChunks, rawSize, scanlines, specArb, type Chunk } from './png-build.js';

const FILE = 'fuzz.png';
const IEND: Chunk = { type: 'IEND', data: new Uint8Array(0) };

describe('PNG image data must be all there', () => {
  test('a header that lies about a large size allocates nothing and fails fast', () => {
    // 4000 x 4000 RGBA promised, 3 bytes of zlib data given: today ~250 MB are allocated (30000 x 30000: 14 GB, 70 s).
    const bytes = joinChunks([ihdr(4000, 4000, 8, 6), { type: 'IDAT', data: deflateSync(Buffer.alloc(3)) }, IEND]);
    const before = process.resourceUsage().maxRSS;
    ownError(() => imageFromPngBytes(bytes, FILE), DataError, FILE, 500);
    const grownMB = (process.resourceUsage().maxRSS - before) / 1024;
    expect(grownMB).toBeLessThan(32);
  });

  test('a PNG without IDAT is a DataError', () => {
    const err = ownError(() => imageFromPngBytes(joinChunks([ihdr(8, 8, 8, 0), IEND]), FILE), DataError, FILE);
    expect(err.message).toMatch(/^fuzz\.png: truncated or corrupt PNG/);
  });

  test('image data shorter than the header promises is a DataError', () => {
    fc.assert(
      fc.property(specArb, fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (spec, frac) => {
        const raw = scanlines(spec);
        const chunks = pngChunks(spec).map((c) => (c.type === 'IDAT' ? { type: 'IDAT', data: deflateSync(raw.subarray(0, Math.floor(frac * raw.length))) } : c));
        ownError(() => imageFromPngBytes(joinChunks(chunks), FILE), DataError, FILE);
        ownError(() => maskFromPngBytes(joinChunks(chunks), FILE), DataError, FILE);
      }),
      { numRuns: 300, seed: 301 },
    );
  });

  test('a mutated PNG decodes only when its zlib data covers the image, and the same way every time', () => {
    fc.assert(
      fc.property(specArb, fc.array(mutationArb, { minLength: 1, maxLength: 3 }), (spec, mutations) => {
        const chunks = mutations.reduce((cs, m) => (cs.length ? m(cs, spec) : cs), pngChunks(spec));
        const bytes = joinChunks(chunks);
        const first = ownErrorOrValue(() => imageFromPngBytes(bytes, FILE), DataError, FILE);
        const again = ownErrorOrValue(() => imageFromPngBytes(bytes, FILE), DataError, FILE);
        expect(again.error?.message).toBe(first.error?.message);
        if (!first.value) return;
        expect(Array.from(again.value!.data)).toEqual(Array.from(first.value.data));
        const head = chunks.find((c) => c.type === 'IHDR')!.data;
        const need = rawSize(first.value.width, first.value.height, head[9], head[8], head[12] === 1);
        let have = 0;
        try {
          have = inflateSync(Buffer.concat(chunks.filter((c) => c.type === 'IDAT').map((c) => c.data))).length;
        } catch {
          have = -1; // not a complete zlib stream
        }
        expect(have, 'decoded although the zlib data is incomplete or too short').toBeGreaterThanOrEqual(need);
      }),
      { numRuns: 1500, seed: 302 },
    );
  });

  test('an unsupported colour type or bit depth is named in the message', () => {
    const good = pngChunks({ width: 4, height: 4, colorType: 0, bitDepth: 8, samples: new Array(16).fill(9) });
    const msg = (h: Chunk) => ownError(() => imageFromPngBytes(joinChunks([h, ...good.slice(1)]), FILE), DataError, FILE).message;
    expect(msg(ihdr(4, 4, 8, 7))).toMatch(/colou?r type 7/i);
    expect(msg(ihdr(4, 4, 3, 0))).toMatch(/bit depth 3/i);
  });
});
