/**
 * JPEG decoding (ITU-T T.81, JFIF): baseline and extended sequential (SOF0, SOF1) and progressive (SOF2) Huffman
 * coding, 8-bit precision, gray or three components (YCbCr, or RGB when an Adobe marker says so), any sampling
 * factors (4:4:4, 4:2:2, 4:2:0 …), restart markers. Lossless, arithmetic-coded, hierarchical, 12-bit and CMYK files
 * are refused with a line naming what the file uses.
 * The inverse DCT is A.3.3 in floating point (jpeg-idct.ts); chroma is upsampled by replication (as libjpeg does
 * without "fancy upsampling"); YCbCr → RGB uses the JFIF equations.
 */
import { DataError } from './errors.js';
import { BitReader, buildHuffman, JpegError, type HuffmanTable } from './jpeg-huffman.js';
import { aanQuant, idct8x8 } from './jpeg-idct.js';
import { MAX_PIXELS, type DecodedImage } from './types.js';

/** ZIGZAG[k] = the natural (row-major) index of the k-th coefficient in zigzag order (Figure A.6). */
const ZIGZAG = Int32Array.from([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29,
  22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
]);

const SOF_NAMES: Record<number, string> = {
  0xc3: 'lossless', 0xc5: 'differential sequential', 0xc6: 'differential progressive', 0xc7: 'differential lossless', 0xc9: 'arithmetic-coded sequential',
  0xca: 'arithmetic-coded progressive', 0xcb: 'arithmetic-coded lossless', 0xcd: 'differential arithmetic-coded sequential',
  0xce: 'differential arithmetic-coded progressive', 0xcf: 'differential arithmetic-coded lossless',
};

interface Component {
  id: number;
  h: number;
  v: number;
  tq: number;
  /** Blocks per line and column including the MCU padding; coefficients for each, 64 per block, natural order. */
  bw: number;
  bh: number;
  coef: Int16Array;
  /** Blocks that hold picture data when the component is coded alone (a non-interleaved scan). */
  ownW: number;
  ownH: number;
  pred: number;
  dc?: HuffmanTable;
  ac?: HuffmanTable;
}

interface Frame {
  width: number;
  height: number;
  progressive: boolean;
  comps: Component[];
  hmax: number;
  vmax: number;
  mcusX: number;
  mcusY: number;
}

export const isJpeg = (b: Uint8Array) => b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;

/** Decode a JPEG file, every failure a DataError naming `file`. */
export function decodeJpeg(bytes: Uint8Array, file = 'jpeg'): DecodedImage {
  if (bytes.length === 0) throw new DataError(file, 'file is empty (0 bytes), not a JPEG');
  if (!isJpeg(bytes)) throw new DataError(file, 'not a JPEG file (bad signature)');
  try {
    return decode(bytes, file);
  } catch (e) {
    if (e instanceof JpegError) throw new DataError(file, `truncated or corrupt JPEG (${e.message})`);
    throw e;
  }
}

function decode(b: Uint8Array, file: string): DecodedImage {
  const qt: (Int32Array | undefined)[] = [];
  const dcTables: (HuffmanTable | undefined)[] = [], acTables: (HuffmanTable | undefined)[] = [];
  let frame: Frame | null = null;
  let restartInterval = 0;
  let adobeTransform = -1;
  let jfif = false;
  let scans = 0;
  let pos = 2;
  const u16 = (p: number) => (b[p] << 8) | b[p + 1];
  for (;;) {
    // find the next marker (scan data may leave bytes before it)
    while (pos < b.length && !(b[pos] === 0xff && b[pos + 1] !== 0 && b[pos + 1] !== 0xff && !(b[pos + 1] >= 0xd0 && b[pos + 1] <= 0xd7))) pos++;
    if (pos + 1 >= b.length) {
      throw new JpegError(frame ? 'the file ends before the end-of-image marker' : 'no frame header before the end of the file');
    }
    const marker = b[pos + 1];
    pos += 2;
    if (marker === 0xd9) break; // EOI
    if (marker === 0xd8 || marker === 0x01) continue; // SOI, TEM: no length
    if (pos + 2 > b.length) throw new JpegError(`marker 0xFF${hex(marker)} is cut off`);
    const len = u16(pos);
    if (len < 2 || pos + len > b.length) throw new JpegError(`segment 0xFF${hex(marker)} of ${len} bytes runs past the end of the file`);
    const seg = b.subarray(pos + 2, pos + len);
    pos += len;
    if (marker === 0xdb) readQuantTables(seg, qt);
    else if (marker === 0xc4) readHuffmanTables(seg, dcTables, acTables);
    else if (marker === 0xdd) {
      if (seg.length < 2) throw new JpegError('DRI segment is cut off');
      restartInterval = (seg[0] << 8) | seg[1];
    } else if (marker === 0xe0 && seg.length >= 5 && String.fromCharCode(...seg.subarray(0, 4)) === 'JFIF') jfif = true;
    else if (marker === 0xee && seg.length >= 12 && String.fromCharCode(...seg.subarray(0, 5)) === 'Adobe') adobeTransform = seg[11];
    else if (marker === 0xc0 || marker === 0xc1 || marker === 0xc2) {
      if (frame) throw new JpegError('a second frame header');
      frame = readFrame(seg, marker === 0xc2, file, b.length);
    } else if (marker in SOF_NAMES) throw new DataError(file, `unsupported JPEG coding: ${SOF_NAMES[marker]} (SOF 0xFF${hex(marker)}); baseline and progressive Huffman JPEGs are read`);
    else if (marker === 0xda) {
      if (!frame) throw new JpegError('scan before the frame header');
      pos = readScan(b, pos, seg, frame, dcTables, acTables, restartInterval);
      scans++;
    }
    // APPn, COM and anything else with a length are skipped
  }
  if (!frame) throw new JpegError('no frame header');
  if (scans === 0) throw new JpegError('no image data (no scan)');
  return toPixels(frame, qt, jfif, adobeTransform);
}

const hex = (m: number) => m.toString(16).toUpperCase().padStart(2, '0');

/** DQT (B.2.4.1): tables of 64 8-bit or 16-bit values in zigzag order, stored here in natural order. */
function readQuantTables(seg: Uint8Array, qt: (Int32Array | undefined)[]): void {
  let p = 0;
  while (p < seg.length) {
    const pq = seg[p] >> 4, tq = seg[p] & 15;
    p++;
    if (tq > 3 || pq > 1) throw new JpegError(`quantisation table ${tq} of precision ${pq}`);
    if (p + 64 * (pq + 1) > seg.length) throw new JpegError('DQT segment is cut off');
    const t = new Int32Array(64);
    for (let k = 0; k < 64; k++) t[ZIGZAG[k]] = pq ? (seg[p + 2 * k] << 8) | seg[p + 2 * k + 1] : seg[p + k];
    p += 64 * (pq + 1);
    qt[tq] = t;
  }
}

/** DHT (B.2.4.2): class (0 DC, 1 AC), id, 16 code counts, the symbols. */
function readHuffmanTables(seg: Uint8Array, dc: (HuffmanTable | undefined)[], ac: (HuffmanTable | undefined)[]): void {
  let p = 0;
  while (p < seg.length) {
    if (p + 17 > seg.length) throw new JpegError('DHT segment is cut off');
    const tc = seg[p] >> 4, th = seg[p] & 15;
    if (tc > 1 || th > 3) throw new JpegError(`Huffman table class ${tc} id ${th}`);
    const counts = seg.subarray(p + 1, p + 17);
    let n = 0;
    for (let i = 0; i < 16; i++) n += counts[i];
    if (n > 256 || p + 17 + n > seg.length) throw new JpegError('DHT segment is cut off');
    const table = buildHuffman(counts, seg.subarray(p + 17, p + 17 + n));
    (tc === 0 ? dc : ac)[th] = table;
    p += 17 + n;
  }
}

/** SOF (B.2.2): precision, size, and per component its id, sampling factors and quantisation table. */
function readFrame(seg: Uint8Array, progressive: boolean, file: string, fileBytes: number): Frame {
  if (seg.length < 6) throw new JpegError('frame header is cut off');
  const precision = seg[0], height = (seg[1] << 8) | seg[2], width = (seg[3] << 8) | seg[4], n = seg[5];
  if (precision !== 8) throw new DataError(file, `unsupported JPEG sample precision ${precision} bits (8-bit JPEGs are read)`);
  if (width === 0 || height === 0) throw new DataError(file, `zero-sized image (${width}x${height})${height === 0 ? '; JPEGs that give the height later (DNL) are not supported' : ''}`);
  if (width * height > MAX_PIXELS) throw new DataError(file, `image is ${width}x${height}; more than ${MAX_PIXELS} pixels is not supported`);
  if (n !== 1 && n !== 3) throw new DataError(file, `unsupported JPEG with ${n} components${n === 4 ? ' (CMYK)' : ''}; gray and colour (3 components) are read`);
  if (seg.length < 6 + 3 * n) throw new JpegError('frame header is cut off');
  const comps: Component[] = [];
  for (let i = 0; i < n; i++) {
    const o = 6 + 3 * i, h = seg[o + 1] >> 4, v = seg[o + 1] & 15;
    if (h < 1 || h > 4 || v < 1 || v > 4) throw new JpegError(`sampling factors ${h}x${v}`);
    comps.push({ id: seg[o], h, v, tq: seg[o + 2] & 3, bw: 0, bh: 0, coef: new Int16Array(0), ownW: 0, ownH: 0, pred: 0 });
  }
  const hmax = Math.max(...comps.map((c) => c.h)), vmax = Math.max(...comps.map((c) => c.v));
  const mcusX = Math.ceil(width / (8 * hmax)), mcusY = Math.ceil(height / (8 * vmax));
  // every block costs at least one bit of Huffman code in its first scan: a lying header is refused before allocating
  const blocks = comps.reduce((a, c) => a + mcusX * c.h * mcusY * c.v, 0);
  if (blocks > fileBytes * 8) throw new JpegError(`a ${width}x${height} image cannot be coded in ${fileBytes} bytes`);
  for (const c of comps) {
    c.bw = mcusX * c.h;
    c.bh = mcusY * c.v;
    c.ownW = Math.ceil(Math.ceil((width * c.h) / hmax) / 8);
    c.ownH = Math.ceil(Math.ceil((height * c.v) / vmax) / 8);
    c.coef = new Int16Array(c.bw * c.bh * 64);
  }
  return { width, height, progressive, comps, hmax, vmax, mcusX, mcusY };
}

/** SOS (B.2.3) and its entropy-coded data; returns the position after the data. */
function readScan(b: Uint8Array, pos: number, seg: Uint8Array, f: Frame, dcT: (HuffmanTable | undefined)[], acT: (HuffmanTable | undefined)[], restartInterval: number): number {
  const ns = seg[0];
  if (ns < 1 || ns > 4 || seg.length < 1 + 2 * ns + 3) throw new JpegError('scan header is cut off');
  const comps: Component[] = [];
  for (let i = 0; i < ns; i++) {
    const c = f.comps.find((x) => x.id === seg[1 + 2 * i]);
    if (!c) throw new JpegError(`scan names component ${seg[1 + 2 * i]}, which the frame does not have`);
    c.dc = dcT[seg[2 + 2 * i] >> 4];
    c.ac = acT[seg[2 + 2 * i] & 15];
    comps.push(c);
  }
  const o = 1 + 2 * ns;
  const ss = seg[o], se = seg[o + 1], ah = seg[o + 2] >> 4, al = seg[o + 2] & 15;
  const progressive = f.progressive;
  if (!progressive && (ss !== 0 || se !== 63 || ah !== 0 || al !== 0)) throw new JpegError('a sequential scan with spectral selection');
  if (progressive && (se > 63 || ss > se || (ss === 0 && se !== 0) || (ss > 0 && ns !== 1) || al > 13)) throw new JpegError(`progressive scan with bands ${ss}..${se}`);
  const dcScan = ss === 0, needDc = dcScan && ah === 0, needAc = se > 0;
  for (const c of comps) {
    if (needDc && !c.dc) throw new JpegError(`component ${c.id} uses a DC Huffman table that is not defined`);
    if (needAc && !c.ac) throw new JpegError(`component ${c.id} uses an AC Huffman table that is not defined`);
    c.pred = 0;
  }
  const r = new BitReader(b, pos);
  let eobrun = 0;
  // One block: baseline, or one of the four progressive passes (G.1.2).
  const block = (c: Component, off: number): void => {
    const z = c.coef;
    if (!progressive) {
      const t = r.decode(c.dc!);
      c.pred += r.receiveExtend(t);
      z[off] = c.pred;
      for (let k = 1; k < 64; ) {
        const rs = r.decode(c.ac!), run = rs >> 4, s = rs & 15;
        if (s === 0) {
          if (run !== 15) break;
          k += 16;
          continue;
        }
        k += run;
        if (k > 63) throw new JpegError('a run of coefficients past the end of a block');
        z[off + ZIGZAG[k]] = r.receiveExtend(s);
        k++;
      }
    } else if (dcScan) {
      if (ah === 0) {
        const t = r.decode(c.dc!);
        c.pred += r.receiveExtend(t);
        z[off] = c.pred * (1 << al);
      } else if (r.bit()) z[off] |= 1 << al;
    } else if (ah === 0) {
      if (eobrun > 0) {
        eobrun--;
        return;
      }
      for (let k = ss; k <= se; k++) {
        const rs = r.decode(c.ac!), run = rs >> 4, s = rs & 15;
        if (s === 0) {
          if (run < 15) {
            eobrun = (1 << run) - 1 + r.bits(run);
            break;
          }
          k += 15;
          continue;
        }
        k += run;
        if (k > 63) throw new JpegError('a run of coefficients past the end of a block');
        z[off + ZIGZAG[k]] = r.receiveExtend(s) * (1 << al);
      }
    } else refineAc(c.ac!, z, off);
  };
  // G.1.2.3: correction bits for coefficients already non-zero, new coefficients of magnitude 1 << al.
  const refineAc = (ac: HuffmanTable, z: Int16Array, off: number): void => {
    const p1 = 1 << al, m1 = -1 << al;
    let k = ss;
    const correct = (i: number) => {
      if (r.bit() && (z[i] & p1) === 0) z[i] += z[i] >= 0 ? p1 : m1;
    };
    if (eobrun <= 0) {
      for (; k <= se; k++) {
        const rs = r.decode(ac);
        let run = rs >> 4;
        const s = rs & 15;
        let value = 0;
        if (s !== 0) {
          if (s !== 1) throw new JpegError('a refinement coefficient larger than 1');
          value = r.bit() ? p1 : m1;
        } else if (run !== 15) {
          eobrun = (1 << run) + r.bits(run);
          break;
        }
        while (k <= se) {
          const i = off + ZIGZAG[k];
          if (z[i] !== 0) correct(i);
          else if (--run < 0) break;
          k++;
        }
        if (value !== 0) {
          if (k > se) throw new JpegError('a refinement coefficient past the band');
          z[off + ZIGZAG[k]] = value;
        }
      }
    }
    if (eobrun > 0) {
      for (; k <= se; k++) {
        const i = off + ZIGZAG[k];
        if (z[i] !== 0) correct(i);
      }
      eobrun--;
    }
  };

  // Walk the MCUs: every block of every scan component per MCU when interleaved, else the component's own blocks.
  const single = comps.length === 1;
  const c0 = comps[0];
  const total = single ? c0.ownW * c0.ownH : f.mcusX * f.mcusY;
  for (let m = 0; m < total; m++) {
    if (restartInterval && m > 0 && m % restartInterval === 0) {
      r.restart();
      eobrun = 0;
      for (const c of comps) c.pred = 0;
    }
    if (single) {
      const bx = m % c0.ownW, by = Math.floor(m / c0.ownW);
      block(c0, (by * c0.bw + bx) * 64);
    } else {
      const mx = m % f.mcusX, my = Math.floor(m / f.mcusX);
      for (const c of comps) {
        for (let v = 0; v < c.v; v++) for (let h = 0; h < c.h; h++) block(c, ((my * c.v + v) * c.bw + mx * c.h + h) * 64);
      }
    }
  }
  if (r.overran) throw new JpegError('the scan data ends early');
  return r.pos;
}

/** Dequantise and inverse-transform every block of a component into a plane of bw·8 × bh·8 samples. */
function componentPlane(c: Component, q: Int32Array): Uint8Array {
  const W = c.bw * 8;
  const out = new Uint8Array(W * c.bh * 8);
  const qs = aanQuant(q), ws = new Float64Array(64);
  for (let by = 0; by < c.bh; by++) {
    for (let bx = 0; bx < c.bw; bx++) idct8x8(c.coef, (by * c.bw + bx) * 64, qs, out, by * 8 * W + bx * 8, W, ws);
  }
  return out;
}

/** Component planes → interleaved pixels: replicate subsampled components, convert YCbCr to RGB (JFIF). */
function toPixels(f: Frame, qt: (Int32Array | undefined)[], jfif: boolean, adobeTransform: number): DecodedImage {
  const { width, height, comps } = f;
  const planes = comps.map((c) => {
    const q = qt[c.tq];
    if (!q) throw new JpegError(`component ${c.id} uses quantisation table ${c.tq}, which is not defined`);
    return componentPlane(c, q);
  });
  const n = comps.length;
  const data = new Uint8Array(width * height * n);
  // RGB stored as is: an Adobe marker with transform 0, or no JFIF/Adobe marker and component ids 'R', 'G', 'B'.
  const rgb = n === 3 && (adobeTransform === 0 || (!jfif && adobeTransform < 0 && comps[0].id === 0x52 && comps[1].id === 0x47 && comps[2].id === 0x42));
  const xs = comps.map((c) => Int32Array.from({ length: width }, (_, x) => Math.floor((x * c.h) / f.hmax)));
  const rowOf = (i: number, y: number) => Math.floor((y * comps[i].v) / f.vmax) * comps[i].bw * 8;
  if (n === 1) {
    const [p0, x0] = [planes[0], xs[0]];
    for (let y = 0; y < height; y++) {
      const r0 = rowOf(0, y), o = y * width;
      for (let x = 0; x < width; x++) data[o + x] = p0[r0 + x0[x]];
    }
    return { width, height, channels: 1, bitDepth: 8, data, format: 'jpeg' };
  }
  const [p0, p1, p2] = planes, [x0, x1, x2] = xs;
  for (let y = 0; y < height; y++) {
    const r0 = rowOf(0, y), r1 = rowOf(1, y), r2 = rowOf(2, y);
    for (let x = 0, o = y * width * 3; x < width; x++, o += 3) {
      const Y = p0[r0 + x0[x]], cb = p1[r1 + x1[x]] - 128, cr = p2[r2 + x2[x]] - 128;
      if (rgb) {
        data[o] = Y;
        data[o + 1] = cb + 128;
        data[o + 2] = cr + 128;
      } else {
        // JFIF: R = Y + 1.402 Cr, G = Y − 0.344136 Cb − 0.714136 Cr, B = Y + 1.772 Cb (Cb, Cr centred on 0)
        data[o] = clamp(Y + 1.402 * cr);
        data[o + 1] = clamp(Y - 0.344136 * cb - 0.714136 * cr);
        data[o + 2] = clamp(Y + 1.772 * cb);
      }
    }
  }
  return { width, height, channels: 3, bitDepth: 8, data, format: 'jpeg' };
}

const clamp = (v: number) => (v <= 0 ? 0 : v >= 255 ? 255 : (v + 0.5) | 0); // round half up, as Math.round for v > 0
