/**
 * Hostile bytes for decodeImage in every format: truncations, byte flips and garbage after a valid signature must
 * give a well-formed image or a one-line DataError naming the file, quickly, never another error or a hang.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeImage, encodePng } from '../../src/image/index.js';
import { DataError } from '../../src/image/errors.js';
import { encodeTiff } from './tiff-writer.js';
import { encodeGif } from './gif-writer.js';
import { encodeJpeg } from './jpeg-writer.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const FILE = 'fuzz.img';
const px = (n: number) => Array.from({ length: n }, (_, i) => (i * 29 + (i >> 4)) & 255);

const SAMPLES: [string, Uint8Array][] = [
  ['png', encodePng(px(9 * 7 * 3), 9, 7, 3)],
  ['tiff none', encodeTiff({ width: 9, height: 7, spp: 3, bits: 8, samples: px(189), rowsPerStrip: 2 })],
  ['tiff lzw predictor', encodeTiff({ width: 9, height: 7, spp: 3, bits: 8, samples: px(189), compression: 'lzw', predictor: true, rowsPerStrip: 3 })],
  ['tiff deflate 16-bit big-endian', encodeTiff({ width: 9, height: 7, spp: 1, bits: 16, samples: px(63).map((v) => v * 251), compression: 'deflate', bigEndian: true })],
  ['tiff packbits tiles', encodeTiff({ width: 20, height: 18, spp: 1, bits: 8, samples: px(360), compression: 'packbits', tile: [16, 16] })],
  ['gif interlaced', encodeGif({ width: 9, height: 7, indices: px(63).map((v) => v % 5), palette: [[0, 0, 0], [9, 9, 9], [250, 0, 3], [1, 2, 3], [255, 255, 255]], interlaced: true })],
  ['jpeg baseline 4:2:0 restarts', encodeJpeg({ width: 19, height: 13, channels: 3, pixels: px(19 * 13 * 3), sampling: [2, 2], restartInterval: 2 })],
  ['jpeg progressive (libjpeg-turbo)', readFileSync(join(FIXTURES, 'rgb420-progressive-restart.jpg'))],
];

/** Decode and check: a well-formed image, or a DataError of one line starting with the file name, within 2 s. */
function outcome(bytes: Uint8Array): 'ok' | 'error' {
  const t0 = performance.now();
  try {
    const img = decodeImage(bytes, FILE);
    expect(img.width * img.height).toBeGreaterThan(0);
    expect(img.data.length).toBe(img.width * img.height * img.channels);
    return 'ok';
  } catch (e) {
    if (!(e instanceof DataError)) throw new Error(`not a DataError: ${(e as Error)?.stack ?? e}`);
    expect(e.message.startsWith(`${FILE}: `), e.message).toBe(true);
    expect(e.message).not.toMatch(/\n|\bundefined\b|NaN|\[object Object\]/);
    return 'error';
  } finally {
    expect(performance.now() - t0).toBeLessThan(2000);
  }
}

describe.each(SAMPLES)('%s under hostile input', (_name, bytes) => {
  test('the intact file decodes', () => expect(outcome(bytes)).toBe('ok'));

  test('every truncation is a DataError naming the file', () => {
    // PNG needs IEND, JPEG its EOI, TIFF the end of its directory (written last here); a GIF whose first frame is
    // whole decodes without the trailer byte that closes the file
    const spare = bytes[0] === 0x47 ? 1 : 0;
    for (let n = 0; n < bytes.length - spare; n++) expect(outcome(bytes.subarray(0, n)), `cut at ${n} of ${bytes.length}`).toBe('error');
  });

  test('byte flips give a DataError or a well-formed image', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), (flips) => {
        const b = Uint8Array.from(bytes);
        for (const [i, x] of flips) b[i % b.length] ^= x;
        outcome(b);
      }),
      { numRuns: 250, seed: 181 },
    );
  });

  test('garbage after the signature is a DataError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (tail) => {
        const b = new Uint8Array(8 + tail.length);
        b.set(bytes.subarray(0, 8));
        b.set(tail, 8);
        outcome(b);
      }),
      { numRuns: 150, seed: 182 },
    );
  });
});

describe('format detection', () => {
  test('unknown signatures and empty files are named', () => {
    expect(() => decodeImage(Uint8Array.from([0x42, 0x4d, 1, 2, 3]), 'a.bmp')).toThrow('a.bmp: not a PNG, TIFF, GIF or JPEG file (unknown signature)');
    expect(() => decodeImage(new Uint8Array(0), 'e.png')).toThrow('e.png: file is empty (0 bytes), not an image');
  });
});
