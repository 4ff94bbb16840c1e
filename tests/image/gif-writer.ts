/**
 * A small independent GIF writer for test fixtures: one frame, global or local colour table, LZW (codes least
 * significant bit first), optionally interlaced, with the frame optionally offset on a larger screen.
 */
export interface GifSpec {
  width: number;
  height: number;
  /** Palette index per pixel, row-major. */
  indices: ArrayLike<number>;
  /** RGB triples; padded to a power of two. */
  palette: [number, number, number][];
  interlaced?: boolean;
  local?: boolean;
  /** Screen size and frame position (default: the frame fills the screen). */
  screen?: { width: number; height: number; left: number; top: number; background?: number };
  /** Extensions before the image (graphic control, comment). */
  extensions?: boolean;
}

function lzwEncodeGif(data: ArrayLike<number>, minCode: number): Uint8Array {
  const clear = 1 << minCode, end = clear + 1;
  const out: number[] = [];
  let acc = 0, n = 0;
  let width = minCode + 1;
  const put = (code: number) => {
    acc |= code << n;
    n += width;
    while (n >= 8) {
      out.push(acc & 255);
      acc >>>= 8;
      n -= 8;
    }
  };
  // the table maps (code of w) · 4096 + next index → the code of w + index
  let dict = new Map<number, number>();
  let next = end + 1;
  put(clear);
  let w = -1;
  for (let i = 0; i < data.length; i++) {
    const c = data[i];
    if (w < 0) {
      w = c;
      continue;
    }
    const hit = dict.get(w * 4096 + c);
    if (hit !== undefined) {
      w = hit;
      continue;
    }
    put(w);
    if (next < 4096) {
      dict.set(w * 4096 + c, next++);
      // the decoder is one entry behind: it widens when its table reaches 2^width, i.e. after this code is read
      if (next > 1 << width && width < 12) width++;
    } else {
      put(clear);
      dict = new Map();
      next = end + 1;
      width = minCode + 1;
    }
    w = c;
  }
  if (w >= 0) put(w);
  put(end);
  if (n > 0) out.push(acc & 255);
  return Uint8Array.from(out);
}

export function encodeGif(s: GifSpec): Uint8Array {
  let bits = 1;
  while (1 << bits < s.palette.length) bits++;
  const table: number[] = [];
  for (let i = 0; i < 1 << bits; i++) table.push(...(s.palette[i] ?? [0, 0, 0]));
  const scr = s.screen ?? { width: s.width, height: s.height, left: 0, top: 0 };
  const out: number[] = [...'GIF89a'].map((c) => c.charCodeAt(0));
  const u16 = (v: number) => out.push(v & 255, v >> 8);
  u16(scr.width);
  u16(scr.height);
  out.push(s.local ? 0 : 0x80 | (bits - 1), scr.background ?? 0, 0);
  if (!s.local) out.push(...table);
  if (s.extensions) {
    out.push(0x21, 0xf9, 4, 0, 0, 0, 0, 0); // graphic control
    out.push(0x21, 0xfe, 5, ...[...'hello'].map((c) => c.charCodeAt(0)), 0); // comment
  }
  out.push(0x2c);
  u16(scr.left);
  u16(scr.top);
  u16(s.width);
  u16(s.height);
  out.push((s.local ? 0x80 | (bits - 1) : 0) | (s.interlaced ? 0x40 : 0));
  if (s.local) out.push(...table);
  // rows in storage order
  const order: number[] = [];
  if (s.interlaced) for (const [a, d] of [[0, 8], [4, 8], [2, 4], [1, 2]]) for (let y = a; y < s.height; y += d) order.push(y);
  else for (let y = 0; y < s.height; y++) order.push(y);
  const pixels: number[] = [];
  for (const y of order) for (let x = 0; x < s.width; x++) pixels.push(s.indices[y * s.width + x]);
  const minCode = Math.max(2, bits);
  out.push(minCode);
  const lzw = lzwEncodeGif(pixels, minCode);
  for (let i = 0; i < lzw.length; i += 255) {
    const part = lzw.subarray(i, i + 255);
    out.push(part.length, ...part);
  }
  out.push(0, 0x3b);
  return Uint8Array.from(out);
}
