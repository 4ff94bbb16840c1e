/**
 * A small independent baseline JPEG writer for test fixtures (T.81 Annex F encoding): gray or YCbCr, the luma
 * sampling factors given (chroma 1x1: 4:4:4, 4:2:2, 4:2:0), restart intervals, quantisation tables scaled from a
 * flat step. Its Huffman tables are built here (complete over every symbol), not Annex K's, so the decoder is also
 * exercised on tables other than the usual ones. The forward DCT is the direct A.3.3 sum in float64.
 */
const ZIGZAG = [
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29,
  22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

export interface JpegSpec {
  width: number;
  height: number;
  /** 1 gray or 3 RGB, interleaved 8-bit samples. */
  channels: 1 | 3;
  pixels: ArrayLike<number>;
  /** Luma sampling factors [h, v]; default [1, 1]. */
  sampling?: [number, number];
  /** Quantisation step of every coefficient (1 = nearly lossless). */
  q?: number;
  restartInterval?: number;
}

interface Code {
  len: number;
  code: number;
}
interface Table {
  counts: number[];
  symbols: number[];
  codes: Map<number, Code>;
}

/** A canonical Huffman table over `symbols` with the given code lengths (Annex C order). */
function table(symbols: number[], lengths: number[]): Table {
  const counts = new Array(16).fill(0);
  const order = symbols.map((s, i) => [s, lengths[i]]).sort((a, b) => a[1] - b[1]);
  for (const [, l] of order) counts[l - 1]++;
  const codes = new Map<number, Code>();
  let code = 0, k = 0;
  for (let len = 1; len <= 16; len++) {
    for (let i = 0; i < counts[len - 1]; i++) codes.set(order[k++][0], { len, code: code++ });
    code <<= 1;
  }
  return { counts, symbols: order.map((o) => o[0]), codes };
}

const DC_SYMBOLS = Array.from({ length: 12 }, (_, i) => i);
const DC = table(DC_SYMBOLS, DC_SYMBOLS.map((s) => (s < 6 ? 3 : 5))); // Kraft: 6/8 + 6/32 < 1
const AC_SYMBOLS = [0x00, 0xf0, ...Array.from({ length: 160 }, (_, i) => ((i / 10) | 0) * 16 + (i % 10) + 1)];
const AC = table(AC_SYMBOLS, AC_SYMBOLS.map((s) => (s === 0x00 || s === 0x01 ? 2 : 9))); // 2/4 + 160/512 < 1

class BitWriter {
  out: number[] = [];
  private acc = 0;
  private n = 0;
  put(code: number, len: number): void {
    for (let i = len - 1; i >= 0; i--) {
      this.acc = (this.acc << 1) | ((code >> i) & 1);
      if (++this.n === 8) this.byte();
    }
  }
  private byte(): void {
    this.out.push(this.acc);
    if (this.acc === 0xff) this.out.push(0); // stuffing
    this.acc = 0;
    this.n = 0;
  }
  /** Pad the last byte with 1-bits (F.1.2.3). */
  flush(): void {
    while (this.n !== 0) this.put(1, 1);
  }
}

/** The magnitude category and the bits of a coefficient difference (F.1.2.1). */
function category(v: number): [number, number] {
  const a = Math.abs(v);
  let s = 0;
  while (a >= 1 << s) s++;
  return [s, v >= 0 ? v : v + (1 << s) - 1];
}

function fdct(block: Float64Array): Float64Array {
  const out = new Float64Array(64);
  for (let v = 0; v < 8; v++) {
    for (let u = 0; u < 8; u++) {
      let s = 0;
      for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) s += block[y * 8 + x] * Math.cos(((2 * x + 1) * u * Math.PI) / 16) * Math.cos(((2 * y + 1) * v * Math.PI) / 16);
      out[v * 8 + u] = ((u ? 1 : Math.SQRT1_2) * (v ? 1 : Math.SQRT1_2) * s) / 4;
    }
  }
  return out;
}

export function encodeJpeg(s: JpegSpec): Uint8Array {
  const [h0, v0] = s.channels === 1 ? [1, 1] : (s.sampling ?? [1, 1]);
  const q = s.q ?? 2;
  // component planes
  const plane = s.width * s.height;
  const comps: Float64Array[] = [];
  if (s.channels === 1) comps.push(Float64Array.from({ length: plane }, (_, i) => s.pixels[i]));
  else {
    const Y = new Float64Array(plane), Cb = new Float64Array(plane), Cr = new Float64Array(plane);
    for (let i = 0; i < plane; i++) {
      const r = s.pixels[i * 3], g = s.pixels[i * 3 + 1], b = s.pixels[i * 3 + 2];
      Y[i] = 0.299 * r + 0.587 * g + 0.114 * b;
      Cb[i] = -0.168736 * r - 0.331264 * g + 0.5 * b + 128;
      Cr[i] = 0.5 * r - 0.418688 * g - 0.081312 * b + 128;
    }
    comps.push(Y, Cb, Cr);
  }
  const sampling = comps.map((_, i) => (i === 0 ? [h0, v0] : [1, 1]));
  const mcusX = Math.ceil(s.width / (8 * h0)), mcusY = Math.ceil(s.height / (8 * v0));
  /** Sample of component c at its own resolution (averaging the pixels it covers, edges replicated). */
  const sample = (c: number, x: number, y: number) => {
    const [h, v] = sampling[c];
    const fx = h0 / h, fy = v0 / v;
    let sum = 0;
    for (let j = 0; j < fy; j++) {
      for (let i = 0; i < fx; i++) {
        const px = Math.min(s.width - 1, x * fx + i), py = Math.min(s.height - 1, y * fy + j);
        sum += comps[c][py * s.width + px];
      }
    }
    return sum / (fx * fy);
  };
  const w = new BitWriter();
  const pred = comps.map(() => 0);
  const encodeBlock = (c: number, bx: number, by: number) => {
    const blk = new Float64Array(64);
    for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) blk[y * 8 + x] = sample(c, bx * 8 + x, by * 8 + y) - 128;
    const f = fdct(blk);
    const z = ZIGZAG.map((n) => Math.round(f[n] / q));
    const [ds, dbits] = category(z[0] - pred[c]);
    pred[c] = z[0];
    const dc = DC.codes.get(ds)!;
    w.put(dc.code, dc.len);
    w.put(dbits, ds);
    let run = 0;
    for (let k = 1; k < 64; k++) {
      if (z[k] === 0) {
        run++;
        continue;
      }
      while (run > 15) {
        const zrl = AC.codes.get(0xf0)!;
        w.put(zrl.code, zrl.len);
        run -= 16;
      }
      const [as, abits] = category(z[k]);
      const c2 = AC.codes.get(run * 16 + as)!;
      w.put(c2.code, c2.len);
      w.put(abits, as);
      run = 0;
    }
    if (run > 0) {
      const eob = AC.codes.get(0)!;
      w.put(eob.code, eob.len);
    }
  };
  let rst = 0;
  for (let m = 0; m < mcusX * mcusY; m++) {
    if (s.restartInterval && m > 0 && m % s.restartInterval === 0) {
      w.flush();
      w.out.push(0xff, 0xd0 + (rst++ % 8));
      pred.fill(0);
    }
    const mx = m % mcusX, my = Math.floor(m / mcusX);
    comps.forEach((_, c) => {
      const [h, v] = sampling[c];
      for (let j = 0; j < v; j++) for (let i = 0; i < h; i++) encodeBlock(c, mx * h + i, my * v + j);
    });
  }
  w.flush();

  const out: number[] = [0xff, 0xd8];
  const seg = (marker: number, body: number[]) => out.push(0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 255, ...body);
  seg(0xe0, [0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]); // JFIF
  seg(0xdb, [0, ...new Array(64).fill(q)]);
  seg(0xc0, [8, s.height >> 8, s.height & 255, s.width >> 8, s.width & 255, comps.length, ...comps.flatMap((_, c) => [c + 1, (sampling[c][0] << 4) | sampling[c][1], 0])]);
  seg(0xc4, [0x00, ...DC.counts, ...DC.symbols, 0x10, ...AC.counts, ...AC.symbols]);
  if (s.restartInterval) seg(0xdd, [s.restartInterval >> 8, s.restartInterval & 255]);
  seg(0xda, [comps.length, ...comps.flatMap((_, c) => [c + 1, 0x00]), 0, 63, 0]);
  for (const b of w.out) out.push(b);
  out.push(0xff, 0xd9);
  return Uint8Array.from(out);
}
