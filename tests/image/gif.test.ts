import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { decodeGif } from '../../src/image/index.js';
import { encodeGif, type GifSpec } from './gif-writer.js';
import { expectSameSamples } from './same.js';

/** The RGB (or gray) samples a spec should decode to. */
function expected(s: GifSpec, gray: boolean): number[] {
  const scr = s.screen ?? { width: s.width, height: s.height, left: 0, top: 0, background: 0 };
  const ch = gray ? 1 : 3;
  const bg = s.palette[scr.background ?? 0];
  const out: number[] = [];
  for (let y = 0; y < scr.height; y++) {
    for (let x = 0; x < scr.width; x++) {
      const fx = x - scr.left, fy = y - scr.top;
      const inside = fx >= 0 && fy >= 0 && fx < s.width && fy < s.height;
      const c = inside ? s.palette[s.indices[fy * s.width + fx]] : bg;
      out.push(...c.slice(0, ch));
    }
  }
  return out;
}

const specArb = fc
  .record({
    width: fc.integer({ min: 1, max: 40 }),
    height: fc.integer({ min: 1, max: 40 }),
    colours: fc.integer({ min: 2, max: 256 }),
    gray: fc.boolean(),
    interlaced: fc.boolean(),
    local: fc.boolean(),
    extensions: fc.boolean(),
    seed: fc.nat(),
  })
  .map(({ colours, gray, seed, ...s }) => {
    let x = seed | 1;
    const rnd = () => ((x = (x * 1103515245 + 12345) & 0x7fffffff), x >> 8);
    const palette = Array.from({ length: colours }, (_, i) => (gray ? [i, i, i] : [rnd() & 255, rnd() & 255, rnd() & 255]) as [number, number, number]);
    if (!gray) palette[0] = [1, 2, 3];
    const indices = Array.from({ length: s.width * s.height }, (_, i) => (i % 7 === 0 ? rnd() % colours : (i >> 2) % colours));
    return { ...s, palette, indices, gray } as GifSpec & { gray: boolean };
  });

describe('GIF decoding', () => {
  test('random images round-trip: palettes of 2 to 256 colours, global or local, interlaced or not', () => {
    fc.assert(
      fc.property(specArb, (s) => {
        const img = decodeGif(encodeGif(s), 'p.gif');
        const gray = (s as { gray: boolean }).gray;
        expect([img.width, img.height, img.channels, img.format]).toEqual([s.width, s.height, gray ? 1 : 3, 'gif']);
        expectSameSamples(img.data, expected(s, gray));
      }),
      { numRuns: 200, seed: 161 },
    );
  });

  test("a DRIVE-like 565x584 interlaced manual segmentation with a 256-gray palette decodes to 0/255 gray", () => {
    const w = 565, h = 584;
    const indices = Array.from({ length: w * h }, (_, i) => (((i % w) - 280) ** 2 + (Math.floor(i / w) - 290) ** 2 < 200 ** 2 && (i % 13 < 3) ? 255 : 0));
    const palette = Array.from({ length: 256 }, (_, i) => [i, i, i] as [number, number, number]);
    const s = { width: w, height: h, indices, palette, interlaced: true };
    const img = decodeGif(encodeGif(s), '21_manual1.gif');
    expect([img.width, img.height, img.channels]).toEqual([w, h, 1]);
    expectSameSamples(img.data, indices);
  });

  test('a frame smaller than the screen is placed on the background colour', () => {
    const palette: [number, number, number][] = [[0, 0, 0], [200, 10, 10], [7, 7, 7], [9, 9, 9]];
    const s: GifSpec = { width: 3, height: 2, indices: [1, 2, 3, 3, 2, 1], palette, screen: { width: 6, height: 5, left: 2, top: 1, background: 2 } };
    const img = decodeGif(encodeGif(s), 'f.gif');
    expect([img.width, img.height]).toEqual([6, 5]);
    expect(Array.from(img.data)).toEqual(expected(s, false));
  });

  test('broken files: one line naming the file', () => {
    const good = encodeGif({ width: 4, height: 4, indices: new Array(16).fill(1), palette: [[0, 0, 0], [255, 255, 255]] });
    const err = (b: Uint8Array) => {
      try {
        decodeGif(b, 'm.gif');
        return 'decoded';
      } catch (e) {
        return (e as Error).message;
      }
    };
    expect(err(new Uint8Array(0))).toBe('m.gif: file is empty (0 bytes), not a GIF');
    expect(err(Uint8Array.from([1, 2, 3, 4, 5, 6, 7]))).toBe('m.gif: not a GIF file (bad signature)');
    expect(err(good.subarray(0, 10))).toBe('m.gif: truncated or corrupt GIF (the screen descriptor is cut off)');
    expect(err(good.subarray(0, good.length - 6))).toMatch(/^m\.gif: truncated or corrupt GIF \(the image data is cut off\)$/);
    const zero = Uint8Array.from(good);
    zero[6] = zero[7] = 0;
    zero[13 + 6 + 5] = zero[13 + 6 + 6] = 0; // screen width and frame width
    expect(err(zero)).toBe('m.gif: zero-sized image (0x4)');
  });
});
