import { describe, expect, test, beforeAll } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, writeFileSync, chmodSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readImagePng, readMaskPng, imageFromPngBytes, maskFromPngBytes, encodePng, writePng, planesToPixels } from '../../src/data/png.js';
import { DataError } from '../../src/data/errors.js';
import { encodeRawPng } from './png-encoder.js';

const require = createRequire(import.meta.url);
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'amsunet-png-'));
});

const W = 5, H = 3;
const ramp = (n: number, max: number) => Array.from({ length: n }, (_, i) => (i * 37) % (max + 1));

describe('PNG reading', () => {
  test('8-bit gray: values / 255, one channel', () => {
    const s = ramp(W * H, 255);
    const img = imageFromPngBytes(encodeRawPng({ width: W, height: H, colorType: 0, bitDepth: 8, samples: s }));
    expect([img.width, img.height, img.channels]).toEqual([W, H, 1]);
    expect(Array.from(img.data)).toEqual(s.map((v) => Math.fround(v / 255)));
  });

  test('16-bit gray: values / 65535, masks keep raw 16-bit values', () => {
    const s = Array.from({ length: W * H }, (_, i) => i * 4000 + 7);
    const bytes = encodeRawPng({ width: W, height: H, colorType: 0, bitDepth: 16, samples: s });
    expect(Array.from(imageFromPngBytes(bytes).data)).toEqual(s.map((v) => Math.fround(v / 65535)));
    expect(Array.from(maskFromPngBytes(bytes).values)).toEqual(s);
  });

  test('1-bit and 4-bit gray are scaled by 2^depth - 1', () => {
    const s1 = ramp(W * H, 1);
    expect(Array.from(imageFromPngBytes(encodeRawPng({ width: W, height: H, colorType: 0, bitDepth: 1, samples: s1 })).data)).toEqual(s1);
    const s4 = ramp(W * H, 15);
    const b4 = encodeRawPng({ width: W, height: H, colorType: 0, bitDepth: 4, samples: s4 });
    expect(Array.from(imageFromPngBytes(b4).data)).toEqual(s4.map((v) => Math.fround(v / 15)));
    expect(Array.from(maskFromPngBytes(b4).values)).toEqual(s4);
  });

  test('RGB 8-bit becomes three CHW planes', () => {
    const s = ramp(W * H * 3, 255);
    const img = imageFromPngBytes(encodeRawPng({ width: W, height: H, colorType: 2, bitDepth: 8, samples: s }));
    expect(img.channels).toBe(3);
    for (let p = 0; p < W * H; p++) for (let c = 0; c < 3; c++) expect(img.data[c * W * H + p]).toBe(Math.fround(s[p * 3 + c] / 255));
  });

  test('RGB 16-bit, RGBA and gray+alpha drop alpha', () => {
    const s16 = Array.from({ length: W * H * 3 }, (_, i) => (i * 2719) % 65536);
    const i16 = imageFromPngBytes(encodeRawPng({ width: W, height: H, colorType: 2, bitDepth: 16, samples: s16 }));
    expect(i16.data[W * H + 2]).toBe(Math.fround(s16[2 * 3 + 1] / 65535));
    const rgba = ramp(W * H * 4, 255);
    const i4 = imageFromPngBytes(encodeRawPng({ width: W, height: H, colorType: 6, bitDepth: 8, samples: rgba }));
    expect(i4.channels).toBe(3);
    expect(i4.data[2 * W * H + 4]).toBe(Math.fround(rgba[4 * 4 + 2] / 255));
    const ga = ramp(W * H * 2, 255);
    const i2 = imageFromPngBytes(encodeRawPng({ width: W, height: H, colorType: 4, bitDepth: 8, samples: ga }));
    expect(i2.channels).toBe(1);
    expect(Array.from(i2.data)).toEqual(Array.from({ length: W * H }, (_, p) => Math.fround(ga[p * 2] / 255)));
  });

  test('palette: images get the palette colours, masks get the indices', () => {
    const palette: [number, number, number][] = [[0, 0, 0], [255, 0, 0], [0, 128, 255], [10, 20, 30]];
    const idx = Array.from({ length: W * H }, (_, i) => i % 4);
    const bytes = encodeRawPng({ width: W, height: H, colorType: 3, bitDepth: 8, samples: idx, palette });
    const img = imageFromPngBytes(bytes);
    expect(img.channels).toBe(3);
    expect([img.data[2], img.data[W * H + 2], img.data[2 * W * H + 2]]).toEqual([0, Math.fround(128 / 255), 1]);
    expect(Array.from(maskFromPngBytes(bytes).values)).toEqual(idx);
    const idx2 = ramp(W * H, 3);
    const b2 = encodeRawPng({ width: W, height: H, colorType: 3, bitDepth: 2, samples: idx2, palette });
    expect(Array.from(maskFromPngBytes(b2).values)).toEqual(idx2);
  });

  test('colour-coded RGB masks are flagged, gray-valued RGB masks are not', () => {
    const gray = Array.from({ length: W * H }, (_, i) => [i, i, i]).flat();
    expect(maskFromPngBytes(encodeRawPng({ width: W, height: H, colorType: 2, bitDepth: 8, samples: gray })).coloured).toBe(false);
    const col = gray.slice();
    col[0] = 200;
    const m = maskFromPngBytes(encodeRawPng({ width: W, height: H, colorType: 2, bitDepth: 8, samples: col }));
    expect(m.coloured).toBe(true);
    expect(m.values[0]).toBe(200);
  });
});

describe('PNG writing round trips', () => {
  test('8-bit gray and RGB written by us read back exactly', () => {
    for (const ch of [1, 3] as const) {
      const px = Uint8Array.from(ramp(W * H * ch, 255));
      const f = join(dir, `rt${ch}.png`);
      writePng(f, px, W, H, ch);
      const img = readImagePng(f);
      expect(img.channels).toBe(ch);
      expect(Array.from(planesToPixels(img.data, ch, W, H))).toEqual(Array.from(px));
      if (ch === 1) expect(Array.from(readMaskPng(f).values)).toEqual(Array.from(px));
    }
  });

  test('values are rounded and clamped to 0..255', () => {
    const img = imageFromPngBytes(encodePng([-3, 0.4, 0.6, 254.5, 300, 128], 3, 2, 1));
    expect(Array.from(planesToPixels(img.data, 1, 3, 2))).toEqual([0, 0, 1, 255, 255, 128]);
  });
});

describe('PNG errors name the file', () => {
  const good = () => encodeRawPng({ width: W, height: H, colorType: 0, bitDepth: 8, samples: ramp(W * H, 255) });

  test('empty file, not a PNG, truncated, missing, unreadable, zero-sized', () => {
    const empty = join(dir, 'empty.png');
    writeFileSync(empty, '');
    expect(() => readImagePng(empty)).toThrow(`${empty}: file is empty (0 bytes), not a PNG`);
    const jpg = join(dir, 'photo.png');
    writeFileSync(jpg, Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46]));
    expect(() => readImagePng(jpg)).toThrow(`${jpg}: not a PNG file (bad signature)`);
    const cut = join(dir, 'cut.png');
    writeFileSync(cut, good().subarray(0, 40));
    expect(() => readMaskPng(cut)).toThrow(new RegExp(`^${cut}: truncated or corrupt PNG`));
    const missing = join(dir, 'nope.png');
    expect(() => readImagePng(missing)).toThrow(`${missing}: no such file or folder (ENOENT)`);
    if (process.getuid?.() !== 0) {
      const locked = join(dir, 'locked.png');
      writeFileSync(locked, good());
      chmodSync(locked, 0o000);
      expect(() => readImagePng(locked)).toThrow(`${locked}: permission denied (EACCES)`);
    }
    const zero = encodeRawPng({ width: 0, height: 3, colorType: 0, bitDepth: 8, samples: [] });
    expect(() => imageFromPngBytes(zero, 'z.png')).toThrow('z.png: zero-sized image (0x3)');
  });

  test('image data shorter than the header needs, a lying header, bad colour type or depth', async () => {
    const { deflateSync } = await import('node:zlib');
    const raw = Buffer.alloc((W + 1) * H);
    const { crc32 } = require('node:zlib') as typeof import('node:zlib');
    const chunk = (type: string, data: Buffer) => {
      const len = Buffer.alloc(4);
      len.writeUInt32BE(data.length);
      const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
      const crc = Buffer.alloc(4);
      crc.writeUInt32BE(crc32(body) >>> 0);
      return Buffer.concat([len, body, crc]);
    };
    /** A PNG whose IHDR says w x h, depth, colour type, with `data` as its only IDAT. */
    const withIdat = (w: number, h: number, data: Buffer, depth = 8, colour = 0) => {
      const ihdr = Buffer.alloc(13);
      ihdr.writeUInt32BE(w, 0);
      ihdr.writeUInt32BE(h, 4);
      ihdr[8] = depth;
      ihdr[9] = colour;
      const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      return Buffer.concat([sig, chunk('IHDR', ihdr), chunk('IDAT', data), chunk('IEND', Buffer.alloc(0))]);
    };
    expect(() => imageFromPngBytes(withIdat(W, H, deflateSync(raw.subarray(0, 10))), 's.png')).toThrow(`s.png: truncated or corrupt PNG (image data is 10 bytes, the ${W}x${H} header needs ${(W + 1) * H})`);
    expect(() => imageFromPngBytes(withIdat(40000, 40000, deflateSync(raw)), 'big.png')).toThrow('big.png: image is 40000x40000; more than 268435456 pixels is not supported');
    expect(() => imageFromPngBytes(withIdat(4000, 4000, deflateSync(raw)), 'lie.png')).toThrow(/^lie\.png: truncated or corrupt PNG \(image data is \d+ bytes, the 4000x4000 header needs 16004000\)$/);
    expect(() => imageFromPngBytes(withIdat(W, H, deflateSync(raw), 8, 7), 'c.png')).toThrow('c.png: unsupported PNG colour type 7 (valid: 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA)');
    expect(() => imageFromPngBytes(withIdat(W, H, deflateSync(raw), 3, 0), 'd.png')).toThrow('d.png: unsupported PNG bit depth 3 for colour type 0 (valid: 1, 2, 4, 8, 16)');
  });

  test('random truncations and byte flips give DataError or a valid image, never another error', () => {
    const bytes = good();
    fc.assert(
      fc.property(fc.nat(bytes.length), fc.array(fc.tuple(fc.nat(bytes.length - 1), fc.integer({ min: 1, max: 255 })), { maxLength: 4 }), (cut, flips) => {
        const b = Buffer.from(bytes.subarray(0, cut));
        for (const [i, x] of flips) if (i < b.length) b[i] ^= x;
        try {
          const img = imageFromPngBytes(b, 'fuzz.png');
          expect(img.data.length).toBe(img.width * img.height * img.channels);
        } catch (e) {
          expect(e).toBeInstanceOf(DataError);
          expect((e as Error).message).toMatch(/^fuzz\.png: /);
        }
      }),
      { numRuns: 400, seed: 7 },
    );
  });
});
