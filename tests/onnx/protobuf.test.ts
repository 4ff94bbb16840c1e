import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { ProtoWriter } from '../../src/onnx/protobuf.js';
import { encodeModel, DataType, type ModelRecord } from '../../src/onnx/onnx-proto.js';
import { onnxSchema, PbWriter } from './ort.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const w = (): ProtoWriter => new ProtoWriter();

describe('ProtoWriter: known encodings', () => {
  // the worked examples of the protobuf encoding guide (protobuf.dev/programming-guides/encoding)
  test('varint field: 150 in field 1 is 08 96 01', () => {
    expect(hex(w().int(1, 150).finish())).toBe('089601');
  });

  test('string field: "testing" in field 2 is 12 07 74 65 73 74 69 6e 67', () => {
    expect(hex(w().string(2, 'testing').finish())).toBe('120774657374696e67');
  });

  test('sub-message: {1: 150} in field 3 is 1a 03 08 96 01', () => {
    expect(hex(w().message(3, (m) => m.int(1, 150)).finish())).toBe('1a03089601');
  });

  test('packed repeated: [3, 270, 86942] in field 4 is 22 06 03 8e 02 9e a7 05', () => {
    expect(hex(w().packedInts(4, [3, 270, 86942]).finish())).toBe('2206038e029ea705');
  });

  test('varint boundaries, negative int64 (10 bytes of two\'s complement) and bigints', () => {
    const v = (x: number | bigint): string => hex(w().rawVarint(x).finish());
    expect(v(0)).toBe('00');
    expect(v(127)).toBe('7f');
    expect(v(128)).toBe('8001');
    expect(v(300)).toBe('ac02');
    expect(v(2 ** 32)).toBe('8080808010');
    expect(v(Number.MAX_SAFE_INTEGER)).toBe('ffffffffffffff0f');
    expect(v(-1)).toBe('ffffffffffffffffff01');
    expect(v(-(2n ** 63n))).toBe('80808080808080808001');
    expect(v(2n ** 64n - 1n)).toBe('ffffffffffffffffff01');
  });

  test('fixed-width fields are little-endian with wire types 5 (32-bit) and 1 (64-bit)', () => {
    expect(hex(w().fixed32(5, 1).finish())).toBe('2d01000000');
    expect(hex(w().fixed64(1, 0x0102030405060708n).finish())).toBe('090807060504030201');
    expect(hex(w().float(1, 1).finish())).toBe('0d0000803f');
    expect(hex(w().float(2, -2.5).finish())).toBe('15000020c0');
    expect(hex(w().double(1, 1).finish())).toBe('09000000000000f03f');
    expect(hex(w().bool(3, true).finish())).toBe('1801');
  });

  test('packed floats and doubles: one LEN field of 4- or 8-byte elements; empty lists write nothing', () => {
    expect(hex(w().packedFloats(4, [1, -2]).finish())).toBe('22080000803f000000c0');
    expect(hex(w().packedDoubles(10, [1]).finish())).toBe('5208000000000000f03f');
    expect(w().packedInts(1, []).packedFloats(2, []).length).toBe(0);
  });

  test('multi-byte keys (field ≥ 16) and a buffer that grows past its initial size', () => {
    expect(hex(w().int(20, 7).finish())).toBe('a00107'); // ONNX AttributeProto.type = 20
    const big = new Uint8Array(100_000).map((_, i) => i & 0xff);
    const out = w().bytes(9, big).finish();
    expect(hex(out.subarray(0, 4))).toBe('4aa08d06'); // key 9|2, length 100000 = a0 8d 06
    expect(Buffer.from(out.subarray(4)).equals(big)).toBe(true);
  });

  test('invalid values are clear errors', () => {
    expect(() => w().rawVarint(2 ** 60)).toThrow('protobuf: varint must be a safe integer or a bigint, got 1152921504606847000');
    expect(() => w().rawVarint(1.5)).toThrow('protobuf: varint must be a safe integer or a bigint, got 1.5');
    expect(() => w().rawVarint(2n ** 64n)).toThrow('protobuf: varint 18446744073709551616 does not fit in 64 bits');
    expect(() => w().int(0, 1)).toThrow('protobuf: field number must be in [1, 2^29), got 0');
  });
});

describe('ProtoWriter agrees with protobufjs (an independent implementation)', () => {
  test('int64 varints, strings, fixed and float fields over random values', () => {
    const field = fc.integer({ min: 1, max: 3000 });
    fc.assert(
      fc.property(field, fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n), fc.string(), fc.float({ noNaN: true }), fc.double({ noNaN: true }), (f, i, s, x, d) => {
        const ours = w().int(f, i).string(f, s).float(f, x).double(f, d).fixed32(f, Number(BigInt.asUintN(32, i))).finish();
        const theirs = PbWriter.create()
          .uint32((f << 3) | 0).int64(i.toString())
          .uint32((f << 3) | 2).string(s)
          .uint32((f << 3) | 5).float(x)
          .uint32((f << 3) | 1).double(d)
          .uint32((f << 3) | 5).fixed32(Number(BigInt.asUintN(32, i)))
          .finish();
        expect(hex(ours)).toBe(hex(theirs));
      }),
      { numRuns: 300, seed: 0x0aa1 },
    );
  });
});

describe('ONNX records decode with the protobufjs ONNX schema', () => {
  test('every field of a small model round-trips (field numbers of onnx.proto)', () => {
    const raw = new Uint8Array(new Float32Array([1.5, -2]).buffer);
    const record: ModelRecord = {
      irVersion: 8,
      opsetImports: [{ domain: '', version: 17 }, { domain: 'com.example', version: 1 }],
      producerName: 'amsunet-ts',
      producerVersion: '0.1.0',
      docString: 'doc',
      metadata: { model: 'Tiny' },
      graph: {
        name: 'g',
        docString: 'graph doc',
        nodes: [
          {
            name: 'n0', opType: 'Conv', inputs: ['x', '', 'w'], outputs: ['y'],
            attributes: [
              { name: 'eps', type: 'float', value: 0.25 },
              { name: 'group', type: 'int', value: -3 },
              { name: 'mode', type: 'string', value: 'reflect' },
              { name: 'pads', type: 'ints', value: [0, 1, 2, 3] },
              { name: 'scales', type: 'floats', value: [0.5, 2] },
              { name: 'value', type: 'tensor', value: { name: 't', dataType: DataType.FLOAT, dims: [2], rawData: raw } },
            ],
          },
        ],
        initializers: [{ name: 'w', dataType: DataType.FLOAT, dims: [2, 1, 1, 1], rawData: raw }],
        inputs: [{ name: 'x', elemType: DataType.FLOAT, shape: ['N', 3, null, 5] }],
        outputs: [{ name: 'y', elemType: DataType.FLOAT, shape: [1] }],
      },
    };
    const m = onnxSchema.ModelProto.toObject(onnxSchema.ModelProto.decode(encodeModel(record)), { longs: Number, bytes: Array, defaults: false });
    expect(m.irVersion).toBe(8);
    expect(m.opsetImport).toEqual([{ version: 17 }, { domain: 'com.example', version: 1 }]);
    expect([m.producerName, m.producerVersion, m.docString]).toEqual(['amsunet-ts', '0.1.0', 'doc']);
    expect(m.metadataProps).toEqual([{ key: 'model', value: 'Tiny' }]);
    const g = m.graph;
    expect([g.name, g.docString]).toEqual(['g', 'graph doc']);
    expect(g.node[0]).toMatchObject({ name: 'n0', opType: 'Conv', input: ['x', '', 'w'], output: ['y'] });
    expect(g.node[0].attribute).toEqual([
      { name: 'eps', type: 1, f: 0.25 },
      { name: 'group', type: 2, i: -3 },
      { name: 'mode', type: 3, s: [...Buffer.from('reflect')] },
      { name: 'pads', type: 7, ints: [0, 1, 2, 3] },
      { name: 'scales', type: 6, floats: [0.5, 2] },
      { name: 'value', type: 4, t: { name: 't', dataType: 1, dims: [2], rawData: [...raw] } },
    ]);
    expect(g.initializer).toEqual([{ name: 'w', dataType: 1, dims: [2, 1, 1, 1], rawData: [...raw] }]);
    expect(g.input).toEqual([
      { name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'N' }, { dimValue: 3 }, {}, { dimValue: 5 }] } } } },
    ]);
    expect(g.output).toEqual([{ name: 'y', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 1 }] } } } }]);
  });
});
