/**
 * The entropy-coded side of JPEG (ITU-T T.81 Annex F and G): a bit reader over scan data that removes the 0xFF00
 * stuffing and stops at markers, Huffman tables as 16-bit lookup tables, and the value extension of F.2.2.1.
 */

/** Thrown on malformed scan data or tables; the JPEG decoder adds the file name. */
export class JpegError extends Error {}

/** A Huffman table as a 2^16-entry lookup on the next 16 bits: (code length << 8) | symbol, 0 for no code. */
export type HuffmanTable = Uint16Array;

/** Build the lookup from BITS (codes per length 1..16) and HUFFVAL (symbols in code order), as in Annex C. */
export function buildHuffman(counts: ArrayLike<number>, symbols: ArrayLike<number>): HuffmanTable {
  const lut = new Uint16Array(1 << 16);
  let code = 0, k = 0;
  for (let len = 1; len <= 16; len++) {
    for (let i = 0; i < counts[len - 1]; i++) {
      if (code >= 1 << len) throw new JpegError('over-subscribed Huffman table');
      const from = code << (16 - len), to = (code + 1) << (16 - len);
      lut.fill((len << 8) | symbols[k++], from, to);
      code++;
    }
    code <<= 1;
  }
  return lut;
}

export class BitReader {
  private acc = 0;
  private cnt = 0;
  /** Zero bytes fed after the data ended or at a marker; consuming any of their bits means the scan ran short. */
  private padded = 0;
  constructor(
    private readonly b: Uint8Array,
    public pos: number,
  ) {}

  private fill(): void {
    while (this.cnt <= 24) {
      let v = 0;
      const b = this.b;
      if (this.pos < b.length && !(b[this.pos] === 0xff && b[this.pos + 1] !== 0)) {
        v = b[this.pos];
        this.pos += v === 0xff ? 2 : 1; // 0xFF 0x00 is a stuffed 0xFF
      } else this.padded++;
      this.acc = ((this.acc << 8) | v) >>> 0;
      this.cnt += 8;
    }
  }

  /** True when the bits consumed so far reach past the real scan data. */
  get overran(): boolean {
    return this.padded * 8 > this.cnt;
  }

  bits(n: number): number {
    if (n === 0) return 0;
    if (this.cnt < n) this.fill();
    this.cnt -= n;
    return (this.acc >>> this.cnt) & ((1 << n) - 1);
  }

  bit(): number {
    if (this.cnt < 1) this.fill();
    this.cnt--;
    return (this.acc >>> this.cnt) & 1;
  }

  decode(t: HuffmanTable): number {
    if (this.cnt < 16) this.fill();
    const e = t[(this.acc >>> (this.cnt - 16)) & 0xffff];
    if (e === 0) throw new JpegError('a Huffman code not in its table');
    this.cnt -= e >> 8;
    return e & 255;
  }

  /** s bits read as a signed difference (F.2.2.1: values below 2^(s-1) are negative). */
  receiveExtend(s: number): number {
    if (s === 0) return 0;
    if (s > 16) throw new JpegError(`a coefficient of ${s} bits`);
    const v = this.bits(s);
    return v < 1 << (s - 1) ? v - (1 << s) + 1 : v;
  }

  /** Drop buffered bits and step over the restart marker RSTn that must come next (E.1.4). */
  restart(): void {
    this.acc = 0;
    this.cnt = 0;
    this.padded = 0;
    const b = this.b;
    while (this.pos < b.length && b[this.pos] === 0xff && b[this.pos + 1] === 0xff) this.pos++; // fill bytes
    if (this.pos + 1 < b.length && b[this.pos] === 0xff && b[this.pos + 1] >= 0xd0 && b[this.pos + 1] <= 0xd7) this.pos += 2;
    else throw new JpegError(`a restart marker is missing at byte ${this.pos}`);
  }
}
