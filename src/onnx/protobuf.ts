/**
 * A minimal Protocol Buffers writer: just enough of the wire format to serialise ONNX models
 * (protobuf.dev/programming-guides/encoding). A message is a sequence of fields; each field starts with a key
 *   key = (fieldNumber << 3) | wireType
 * written as a varint, followed by the value in the wire type's encoding:
 *   0 VARINT  int32/int64/uint64/bool/enum: base-128, least significant group first, high bit = "more bytes";
 *             negative int64 (and int32) values are their 64-bit two's complement, so always 10 bytes
 *   1 I64     fixed64/double: 8 bytes little-endian
 *   2 LEN     string/bytes/sub-message/packed repeated scalars: a varint byte length, then the bytes
 *   5 I32     fixed32/float: 4 bytes little-endian
 * Fields may appear in any order; a repeated field is the same key written once per element, or, for scalar
 * types marked [packed = true] (proto3 default), one LEN field holding the concatenated element encodings.
 *
 * Usage: `new ProtoWriter().uint(1, 8).string(2, 'name').message(7, (g) => g.string(2, 'graph')).finish()`.
 */
import { ConfigError } from '../tensor/errors.js';

export const WireType = { VARINT: 0, I64: 1, LEN: 2, I32: 5 } as const;

const TWO_64 = 1n << 64n;

export class ProtoWriter {
  #buf = new Uint8Array(256);
  #len = 0;
  readonly #scratch = new DataView(new ArrayBuffer(8));

  /** The bytes written so far (a copy, so the writer may be reused or dropped). */
  finish(): Uint8Array {
    return this.#buf.slice(0, this.#len);
  }

  get length(): number {
    return this.#len;
  }

  #reserve(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < this.#len + n) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.#buf.subarray(0, this.#len));
    this.#buf = grown;
  }

  #byte(b: number): void {
    this.#reserve(1);
    this.#buf[this.#len++] = b;
  }

  #raw(bytes: Uint8Array): void {
    this.#reserve(bytes.length);
    this.#buf.set(bytes, this.#len);
    this.#len += bytes.length;
  }

  /**
   * A bare varint (no key). Accepts integers in [−2^63, 2^64): a number must be a safe integer, larger values
   * go as bigint. Negative values are written as their 64-bit two's complement (10 bytes), as protobuf does for int64.
   */
  rawVarint(value: number | bigint): this {
    if (typeof value === 'number') {
      if (!Number.isSafeInteger(value)) throw new ConfigError('protobuf', `varint must be a safe integer or a bigint, got ${value}`);
      if (value >= 0) {
        // plain arithmetic: bitwise ops would truncate to 32 bits
        let v = value;
        while (v >= 0x80) {
          this.#byte((v % 0x80) | 0x80);
          v = Math.floor(v / 0x80);
        }
        this.#byte(v);
        return this;
      }
      value = BigInt(value);
    }
    if (value < -(1n << 63n) || value >= TWO_64) throw new ConfigError('protobuf', `varint ${value} does not fit in 64 bits`);
    let v = value < 0n ? value + TWO_64 : value;
    while (v >= 0x80n) {
      this.#byte(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.#byte(Number(v));
    return this;
  }

  /** A field key: (field << 3) | wireType. */
  key(field: number, wireType: number): this {
    if (!(Number.isInteger(field) && field >= 1 && field < 2 ** 29)) throw new ConfigError('protobuf', `field number must be in [1, 2^29), got ${field}`);
    return this.rawVarint(field * 8 + wireType);
  }

  /** An int32/int64/uint64/enum field (wire type 0). */
  int(field: number, value: number | bigint): this {
    return this.key(field, WireType.VARINT).rawVarint(value);
  }

  bool(field: number, value: boolean): this {
    return this.int(field, value ? 1 : 0);
  }

  /** A fixed32 field (wire type 5): 4 bytes little-endian, unsigned. */
  fixed32(field: number, value: number): this {
    this.#scratch.setUint32(0, value, true);
    return this.key(field, WireType.I32).#rawScratch(4);
  }

  /** A fixed64 field (wire type 1): 8 bytes little-endian, unsigned. */
  fixed64(field: number, value: bigint): this {
    this.#scratch.setBigUint64(0, BigInt.asUintN(64, value), true);
    return this.key(field, WireType.I64).#rawScratch(8);
  }

  /** A float field (wire type 5): IEEE 754 single, little-endian. */
  float(field: number, value: number): this {
    this.#scratch.setFloat32(0, value, true);
    return this.key(field, WireType.I32).#rawScratch(4);
  }

  /** A double field (wire type 1): IEEE 754 double, little-endian. */
  double(field: number, value: number): this {
    this.#scratch.setFloat64(0, value, true);
    return this.key(field, WireType.I64).#rawScratch(8);
  }

  #rawScratch(n: number): this {
    this.#raw(new Uint8Array(this.#scratch.buffer, 0, n));
    return this;
  }

  /** A bytes field (wire type 2): length, then the bytes. */
  bytes(field: number, value: Uint8Array): this {
    this.key(field, WireType.LEN).rawVarint(value.length);
    this.#raw(value);
    return this;
  }

  /** A string field: its UTF-8 bytes. */
  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  /** A sub-message field: `build` writes the message's fields into a fresh writer, which is then length-prefixed. */
  message(field: number, build: (w: ProtoWriter) => void): this {
    const w = new ProtoWriter();
    build(w);
    return this.bytes(field, w.finish());
  }

  /** A packed repeated varint field (int32/int64/uint64/enum). Nothing is written for an empty list. */
  packedInts(field: number, values: readonly (number | bigint)[]): this {
    if (values.length === 0) return this;
    const w = new ProtoWriter();
    for (const v of values) w.rawVarint(v);
    return this.bytes(field, w.finish());
  }

  /** A packed repeated float field: 4 bytes per element. Nothing is written for an empty list. */
  packedFloats(field: number, values: ArrayLike<number>): this {
    if (values.length === 0) return this;
    return this.bytes(field, littleEndianBytes(Float32Array.from(values)));
  }

  /** A packed repeated double field: 8 bytes per element. Nothing is written for an empty list. */
  packedDoubles(field: number, values: ArrayLike<number>): this {
    if (values.length === 0) return this;
    return this.bytes(field, littleEndianBytes(Float64Array.from(values)));
  }
}

/** The bytes of a typed array in little-endian order (a view where the platform is little-endian, else swapped). */
export function littleEndianBytes(a: Float32Array | Float64Array | Int32Array | BigInt64Array): Uint8Array {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  if (IS_LITTLE_ENDIAN) return bytes;
  const out = new Uint8Array(bytes.length);
  const w = a.BYTES_PER_ELEMENT;
  for (let i = 0; i < bytes.length; i += w) for (let j = 0; j < w; j++) out[i + j] = bytes[i + w - 1 - j];
  return out;
}

const IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
