import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import jpegJs from 'jpeg-js';
import { decodeJpeg } from '../../src/image/index.js';
import { aanQuant, idct8x8, idctReference } from '../../src/image/jpeg-idct.js';
import { encodeJpeg, type JpegSpec } from './jpeg-writer.js';
import { maxAbsDiff } from '../helpers/close.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** A binary PGM/PPM (P5/P6) as its samples. */
function readPnm(file: string): { width: number; height: number; channels: number; data: Uint8Array } {
  const b = readFileSync(file);
  const head = b.subarray(0, 20).toString('latin1').split(/\s+/);
  const [magic, w, h] = head;
  const start = b.indexOf('\n255\n') + 5;
  return { width: +w, height: +h, channels: magic === 'P6' ? 3 : 1, data: b.subarray(start) };
}

/** jpeg-js (an independent decoder) as the reference, RGBA → the channel count asked for. */
function jpegJsDecode(bytes: Uint8Array, channels: number): Uint8Array {
  const r = jpegJs.decode(bytes, { useTArray: true, formatAsRGBA: true });
  const out = new Uint8Array(r.width * r.height * channels);
  for (let p = 0; p < r.width * r.height; p++) for (let c = 0; c < channels; c++) out[p * channels + c] = r.data[p * 4 + c];
  return out;
}

describe('JPEG inverse DCT', () => {
  test('the AAN transform equals the direct A.3.3 sum to within float rounding', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -300, max: 300 }), { minLength: 64, maxLength: 64 }), fc.array(fc.integer({ min: 1, max: 16 }), { minLength: 64, maxLength: 64 }), fc.nat(63), (c, q, cut) => {
        const coef = Int16Array.from(c, (v, i) => (i > cut ? 0 : v >> 2)); // sparse blocks as well as dense ones
        const out = new Uint8Array(64);
        idct8x8(coef, 0, aanQuant(q), out, 0, 8, new Float64Array(64));
        const ref = idctReference(coef, q);
        for (let i = 0; i < 64; i++) {
          const r = Math.min(255, Math.max(0, ref[i]));
          expect(Math.abs(out[i] - r)).toBeLessThanOrEqual(0.5 + 1e-9);
        }
      }),
      { numRuns: 300, seed: 171 },
    );
  });
});

describe('JPEG decoding', () => {
  test.each([
    ['rgb420', 3],
    ['rgb420-progressive', 3],
    ['rgb444-restart', 3],
    ['rgb422-optimized', 3],
    ['gray-progressive', 1],
    ['rgb420-progressive-restart', 3],
  ])('%s.jpg (libjpeg-turbo) decodes as djpeg -dct float -nosmooth does, within 1', (name, channels) => {
    const img = decodeJpeg(readFileSync(join(FIXTURES, `${name}.jpg`)), `${name}.jpg`);
    const ref = readPnm(join(FIXTURES, `${name}.ref.pnm`));
    expect([img.width, img.height, img.channels, img.bitDepth, img.format]).toEqual([ref.width, ref.height, channels, 8, 'jpeg']);
    expect(maxAbsDiff(img.data, ref.data)).toBeLessThanOrEqual(1);
  });

  test('a progressive file decodes exactly as the baseline file it was losslessly transcoded from', () => {
    const a = decodeJpeg(readFileSync(join(FIXTURES, 'rgb420.jpg')));
    const b = decodeJpeg(readFileSync(join(FIXTURES, 'rgb420-progressive.jpg')));
    expect(maxAbsDiff(a.data, b.data)).toBe(0);
  });

  const specArb = fc
    .record({
      width: fc.integer({ min: 1, max: 50 }),
      height: fc.integer({ min: 1, max: 40 }),
      channels: fc.constantFrom(1 as const, 3 as const),
      sampling: fc.constantFrom<[number, number]>([1, 1], [2, 1], [2, 2], [1, 2]),
      q: fc.integer({ min: 2, max: 12 }),
      restartInterval: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
      seed: fc.nat(),
    })
    .map(({ seed, ...s }) => {
      let x = seed | 1;
      const n = s.width * s.height * s.channels;
      const pixels = Array.from({ length: n }, (_, i) => ((x = (x * 1103515245 + 12345) & 0x7fffffff), (i * 3 + ((x >> 16) & 31)) & 255));
      return { ...s, pixels } as JpegSpec;
    });

  test('random baseline files from the test writer (4:4:4, 4:2:2, 4:2:0, 4:4:0, gray, restarts) decode as jpeg-js decodes them', () => {
    fc.assert(
      fc.property(specArb, (s) => {
        const bytes = encodeJpeg(s);
        const img = decodeJpeg(bytes, 'w.jpg');
        expect([img.width, img.height, img.channels]).toEqual([s.width, s.height, s.channels]);
        // jpeg-js uses an integer IDCT and integer colour conversion: a few levels apart at most
        expect(maxAbsDiff(img.data, jpegJsDecode(bytes, s.channels))).toBeLessThanOrEqual(3);
      }),
      { numRuns: 120, seed: 172 },
    );
  });

  test('gray at a fine quantisation step reproduces the pixels within the step', () => {
    const w = 24, h = 17;
    const pixels = Array.from({ length: w * h }, (_, i) => (i * 11) & 255);
    const img = decodeJpeg(encodeJpeg({ width: w, height: h, channels: 1, pixels, q: 2 }));
    expect(maxAbsDiff(img.data, pixels)).toBeLessThanOrEqual(4);
  });

  test('unsupported and broken files: one line naming the file', () => {
    const good = readFileSync(join(FIXTURES, 'rgb420.jpg'));
    const err = (b: Uint8Array) => {
      try {
        decodeJpeg(b, 'i.jpg');
        return 'decoded';
      } catch (e) {
        return (e as Error).message;
      }
    };
    expect(err(new Uint8Array(0))).toBe('i.jpg: file is empty (0 bytes), not a JPEG');
    expect(err(Uint8Array.from([0xff, 0xd8, 0x00, 1]))).toBe('i.jpg: not a JPEG file (bad signature)');
    expect(err(good.subarray(0, good.length - 200))).toBe('i.jpg: truncated or corrupt JPEG (the scan data ends early)');
    expect(err(good.subarray(0, good.length - 2))).toBe('i.jpg: truncated or corrupt JPEG (the file ends before the end-of-image marker)');
    const sof = good.indexOf(Buffer.from([0xff, 0xc0]));
    const lossless = Uint8Array.from(good);
    lossless[sof + 1] = 0xc3;
    expect(err(lossless)).toBe('i.jpg: unsupported JPEG coding: lossless (SOF 0xFFC3); baseline and progressive Huffman JPEGs are read');
    const arith = Uint8Array.from(good);
    arith[sof + 1] = 0xc9;
    expect(err(arith)).toBe('i.jpg: unsupported JPEG coding: arithmetic-coded sequential (SOF 0xFFC9); baseline and progressive Huffman JPEGs are read');
    const twelve = Uint8Array.from(good);
    twelve[sof + 4] = 12;
    expect(err(twelve)).toBe('i.jpg: unsupported JPEG sample precision 12 bits (8-bit JPEGs are read)');
    const zero = Uint8Array.from(good);
    zero[sof + 7] = zero[sof + 8] = 0;
    expect(err(zero)).toBe('i.jpg: zero-sized image (0x45)');
  });
});
