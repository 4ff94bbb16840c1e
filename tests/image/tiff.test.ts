import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { decodeTiff, decodeImage } from '../../src/image/index.js';
import { DataError } from '../../src/image/errors.js';
import { encodeTiff, lzwEncodeTiff, type TiffCompression, type TiffSpec } from './tiff-writer.js';
import { lzwDecodeTiff } from '../../src/image/lzw-tiff.js';
import { expectSameSamples } from './same.js';

const ramp = (n: number, max: number, k = 37) => Array.from({ length: n }, (_, i) => (i * k + (i >> 3)) % (max + 1));

const specArb = fc
  .record({
    width: fc.integer({ min: 1, max: 23 }),
    height: fc.integer({ min: 1, max: 19 }),
    spp: fc.constantFrom(1, 2, 3, 4),
    bits: fc.constantFrom(8 as const, 16 as const),
    compression: fc.constantFrom<TiffCompression>('none', 'lzw', 'deflate', 'adobe-deflate', 'packbits'),
    predictor: fc.boolean(),
    rowsPerStrip: fc.integer({ min: 1, max: 8 }),
    tile: fc.option(fc.tuple(fc.constantFrom(16, 32), fc.constantFrom(16, 32)), { nil: undefined }),
    bigEndian: fc.boolean(),
    planar: fc.boolean(),
    seed: fc.nat(),
  })
  .map(({ seed, ...s }) => {
    const max = s.bits === 16 ? 65535 : 255;
    let x = seed | 1;
    const samples = Array.from({ length: s.width * s.height * s.spp }, (_, i) => {
      x = (x * 1103515245 + 12345) & 0x7fffffff;
      return i % 5 === 0 ? (x >> 8) % (max + 1) : (i * 7) % (max + 1); // runs and noise, so every coder has work
    });
    return { ...s, samples } as TiffSpec;
  });

describe('TIFF decoding', () => {
  test('random images round-trip through every compression, predictor, strip/tile, endianness and plane layout', () => {
    fc.assert(
      fc.property(specArb, (s) => {
        const img = decodeTiff(encodeTiff(s), 'p.tif');
        expect([img.width, img.height, img.channels, img.bitDepth, img.format]).toEqual([s.width, s.height, s.spp, s.bits, 'tiff']);
        expect(Array.from(img.data)).toEqual(Array.from(s.samples));
      }),
      { numRuns: 300, seed: 151 },
    );
  });

  test('a DRIVE-like 565x584 RGB image in multi-strip LZW with the predictor', () => {
    const w = 565, h = 584;
    const samples = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) samples[(y * w + x) * 3 + c] = (x * (c + 1) + y * 3 + ((x * y) >> 6)) & 255;
    const bytes = encodeTiff({ width: w, height: h, spp: 3, bits: 8, samples, compression: 'lzw', predictor: true, rowsPerStrip: 3 });
    const img = decodeImage(bytes, '21_training.tif');
    expect([img.width, img.height, img.channels]).toEqual([w, h, 3]);
    expectSameSamples(img.data, samples);
  });

  test('LZW: the table fills and clears, and codes widen to 12 bits', () => {
    let x = 7;
    const data = Uint8Array.from({ length: 60000 }, () => ((x = (x * 69069 + 1) >>> 0), (x >>> 24) & 63));
    const out = new Uint8Array(data.length);
    expect(lzwDecodeTiff(lzwEncodeTiff(data), out)).toBe(data.length);
    expectSameSamples(out, data);
  });

  test('1-bit bilevel, WhiteIsZero, palette, 16-bit big-endian gray, missing StripByteCounts', () => {
    const W = 13, H = 5;
    const bits = ramp(W * H, 1, 3);
    const bilevel = decodeTiff(encodeTiff({ width: W, height: H, spp: 1, bits: 1, samples: bits, rowsPerStrip: 2, compression: 'packbits' }));
    expect(Array.from(bilevel.data)).toEqual(bits.map((v) => v * 255));
    const white = decodeTiff(encodeTiff({ width: W, height: H, spp: 1, bits: 8, samples: ramp(W * H, 255), photometric: 0 }));
    expect(Array.from(white.data)).toEqual(ramp(W * H, 255).map((v) => 255 - v));
    const map = [...Array.from({ length: 256 }, (_, i) => i * 257), ...Array.from({ length: 256 }, (_, i) => (255 - i) * 257), ...new Array(256).fill(0x8000)];
    const pal = decodeTiff(encodeTiff({ width: W, height: H, spp: 1, bits: 8, samples: ramp(W * H, 255), photometric: 3, colorMap: map, compression: 'lzw' }));
    expect(pal.channels).toBe(3);
    expect(Array.from(pal.data.subarray(0, 6))).toEqual([0, 255, 128, 37, 218, 128]);
    const s16 = ramp(W * H, 65535, 4099);
    const be = decodeTiff(encodeTiff({ width: W, height: H, spp: 1, bits: 16, samples: s16, bigEndian: true, predictor: true, compression: 'deflate' }));
    expect([be.bitDepth, Array.from(be.data)]).toEqual([16, s16]);
    const noCounts = decodeTiff(encodeTiff({ width: W, height: H, spp: 3, bits: 8, samples: ramp(W * H * 3, 255), omitByteCounts: true, rowsPerStrip: 2 }));
    expect(Array.from(noCounts.data)).toEqual(ramp(W * H * 3, 255));
  });

  test('unsupported and broken files: one line naming the file', () => {
    const base: TiffSpec = { width: 4, height: 3, spp: 1, bits: 8, samples: ramp(12, 255) };
    const msg = (s: Partial<TiffSpec>) => {
      try {
        decodeTiff(encodeTiff({ ...base, ...s }), 'x.tif');
      } catch (e) {
        expect(e).toBeInstanceOf(DataError);
        return (e as Error).message;
      }
      return 'decoded';
    };
    expect(msg({ extra: [[259, 3, [7]]] })).toBe('x.tif: unsupported TIFF compression 7 (JPEG); supported: 1 none, 5 LZW, 8 or 32946 deflate, 32773 PackBits');
    expect(msg({ extra: [[259, 3, [4]]] })).toBe('x.tif: unsupported TIFF compression 4 (CCITT fax 4); supported: 1 none, 5 LZW, 8 or 32946 deflate, 32773 PackBits');
    expect(msg({ extra: [[339, 3, [3]]] })).toBe('x.tif: unsupported TIFF sample format 3 (only unsigned integers are read)');
    expect(msg({ extra: [[262, 3, [5]]] })).toBe('x.tif: unsupported TIFF colour model 5 (CMYK); supported: gray, RGB, palette');
    expect(msg({ extra: [[258, 3, [4]]] })).toBe('x.tif: unsupported TIFF bit depth 4 (8 or 16 bits per sample, or 1-bit gray)');
    expect(msg({ extra: [[317, 3, [3]]] })).toBe('x.tif: unsupported TIFF predictor 3 (floating point); supported: 1 none, 2 horizontal');
    expect(msg({ extra: [[256, 4, [0]]] })).toBe('x.tif: zero-sized image (0x3)');
    expect(msg({ extra: [[257, 4, [300]]] })).toBe('x.tif: truncated or corrupt TIFF (1 strips, the 4x300 image needs 100)');
    const good = encodeTiff({ ...base, compression: 'lzw' });
    expect(() => decodeTiff(good.subarray(0, 20), 'cut.tif')).toThrow(/^cut\.tif: truncated or corrupt TIFF \(/);
    expect(() => decodeTiff(Uint8Array.from([0x49, 0x49, 43, 0, 8, 0, 0, 0]), 'big.tif')).toThrow('big.tif: BigTIFF is not supported (save it as a classic TIFF)');
    expect(() => decodeTiff(new Uint8Array(0), 'e.tif')).toThrow('e.tif: file is empty (0 bytes), not a TIFF');
    expect(() => decodeTiff(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]), 'm.tif')).toThrow('m.tif: not a TIFF file (bad signature)');
  });
});
