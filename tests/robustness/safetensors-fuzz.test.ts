/**
 * Hostile .safetensors bytes: truncations, byte flips, lying header lengths, random header fields (dtype, shape,
 * data_offsets), shapes whose byte count overflows, garbage. Every failure must be a one-line SafetensorsError that
 * names the file; every success must be self-consistent. Nothing may allocate more than the file holds.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import { loadSafetensors, parseSafetensors, SafetensorsError, serializeSafetensors } from '../../src/io/safetensors.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { flipBytes, ownError, ownErrorOrValue } from './own-error.js';

const FILE = 'fuzz.safetensors';
const BYTES: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U64: 8, U32: 4, U16: 2, U8: 1, BOOL: 1 };

/** A file with an arbitrary header value and data section (header padded to 8 bytes like the writer does). */
function rawFile(header: unknown, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  let json = JSON.stringify(header);
  while ((8 + Buffer.byteLength(json)) % 8) json += ' ';
  const h = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

const smallShape = fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 });
const tensorArb = fc.tuple(fc.constantFrom('float32', 'float64', 'int32'), smallShape, fc.integer()).map(([dtype, shape, seed]) => {
  const n = shape.reduce((a, b) => a * b, 1);
  const vals = Array.from({ length: n }, (_, i) => ((seed + i * 7919) % 1000) / (dtype === 'int32' ? 1 : 7));
  const data = dtype === 'float32' ? Float32Array.from(vals) : dtype === 'float64' ? Float64Array.from(vals) : Int32Array.from(vals, Math.trunc);
  return new Tensor(data, shape);
});
const validFile = fc
  .tuple(
    fc.uniqueArray(fc.tuple(fc.string({ minLength: 1, maxLength: 12 }).filter((s) => s !== '__metadata__'), tensorArb), { maxLength: 5, selector: ([k]) => k }),
    fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
  )
  .map(([entries, metadata]) => serializeSafetensors(entries, { metadata }));

/** A parsed file is self-consistent: every tensor's element count matches its shape. */
function consistent(f: ReturnType<typeof parseSafetensors>): void {
  for (const [name, t] of f.tensors) {
    expect(t.data.length, name).toBe(t.shape.reduce((a, b) => a * b, 1));
    expect(f.dtypes.has(name)).toBe(true);
  }
  for (const v of Object.values(f.metadata)) expect(typeof v).toBe('string');
}

describe('safetensors reader under hostile input', () => {
  test('every truncation of a valid file is a SafetensorsError naming the file', () => {
    fc.assert(
      fc.property(validFile, fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (bytes, frac) => {
        const cut = Math.floor(frac * bytes.length);
        ownError(() => parseSafetensors(bytes.subarray(0, cut), FILE), SafetensorsError, FILE);
      }),
      { numRuns: 400, seed: 101 },
    );
  });

  test('byte flips give a consistent file or a SafetensorsError', () => {
    fc.assert(
      fc.property(validFile, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 6 }), (bytes, flips) => {
        const b = flipBytes(bytes, flips.map(([i, x]) => [i % bytes.length, x]));
        const out = ownErrorOrValue(() => parseSafetensors(b, FILE), SafetensorsError, FILE);
        if (out.value) consistent(out.value);
      }),
      { numRuns: 600, seed: 102 },
    );
  });

  test('a lying 8-byte header length is an error, whatever its value', () => {
    fc.assert(
      fc.property(validFile, fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (bytes, n) => {
        const b = Uint8Array.from(bytes);
        const real = new DataView(b.buffer).getBigUint64(0, true);
        fc.pre(n !== real);
        new DataView(b.buffer).setBigUint64(0, n, true);
        const out = ownErrorOrValue(() => parseSafetensors(b, FILE), SafetensorsError, FILE);
        if (out.value) consistent(out.value);
      }),
      { numRuns: 400, seed: 103 },
    );
  });

  const dtypeField = fc.oneof(fc.constantFrom(...Object.keys(BYTES)), fc.constantFrom('f32', 'F8_E4M3', 'I128', '', 'toString', '__proto__'), fc.jsonValue({ maxDepth: 1 }));
  const dimField = fc.oneof(
    fc.integer({ min: 0, max: 6 }),
    fc.constantFrom(-1, 0.5, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, 1e308, -0, '3', null, true, [2]),
  );
  const offsetField = fc.oneof(fc.integer({ min: 0, max: 80 }), fc.constantFrom(-8, 1.5, 2 ** 53, 1e308, '0', null));
  const entryArb = fc.oneof(
    { weight: 6, arbitrary: fc.record({ dtype: dtypeField, shape: fc.oneof(fc.array(dimField, { maxLength: 4 }), fc.jsonValue({ maxDepth: 1 })), data_offsets: fc.oneof(fc.tuple(offsetField, offsetField), fc.array(offsetField, { maxLength: 3 }), fc.jsonValue({ maxDepth: 1 })) }, { requiredKeys: [] }) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  );
  const metadataArb = fc.oneof(fc.dictionary(fc.string({ maxLength: 6 }), fc.oneof(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 1 })), { maxKeys: 3 }), fc.jsonValue({ maxDepth: 2 }));

  test('random header fields (dtype, shape, data_offsets, __metadata__) give a consistent file or a SafetensorsError', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('__proto__', 'constructor')), entryArb, { maxKeys: 4 }),
        fc.option(metadataArb, { nil: undefined }),
        fc.uint8Array({ maxLength: 80 }),
        (entries, metadata, data) => {
          const header: Record<string, unknown> = { ...entries };
          if (metadata !== undefined) header.__metadata__ = metadata;
          const out = ownErrorOrValue(() => parseSafetensors(rawFile(header, data), FILE), SafetensorsError, FILE);
          if (out.value) consistent(out.value);
        },
      ),
      { numRuns: 1500, seed: 104 },
    );
  });

  test('a header that is not a JSON object, or not UTF-8, or random bytes, is a SafetensorsError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue().filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)).map((v) => rawFile(v)), fc.uint8Array({ maxLength: 300 })), (bytes) => {
        const out = ownErrorOrValue(() => parseSafetensors(bytes, FILE), SafetensorsError, FILE);
        if (out.value) consistent(out.value);
      }),
      { numRuns: 500, seed: 105 },
    );
    const latin1 = rawFile({});
    latin1[8] = 0xff;
    expect(ownError(() => parseSafetensors(latin1, FILE), SafetensorsError, FILE).message).toBe(`${FILE}: header is not valid JSON (not a safetensors file?)`);
  });

  test('a deeply nested header is a SafetensorsError, not a stack overflow', () => {
    const depth = 200_000;
    const json = '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
    const h = Buffer.from(json);
    const bytes = new Uint8Array(8 + h.length);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(h.length), true);
    bytes.set(h, 8);
    ownError(() => parseSafetensors(bytes, FILE), SafetensorsError, FILE);
  });

  test('shapes whose element or byte count overflows are refused before any allocation', () => {
    const cases: [unknown[], number[]][] = [
      [[2 ** 31, 2 ** 31, 2 ** 31], [0, 0]],
      [[1e308, 1e308], [0, 16]],
      [[2 ** 53, 2 ** 53], [0, 16]],
      [[2 ** 62, 4], [0, 16]],
      [[2 ** 52, 2], [0, 16]],
      [[2 ** 53, 1], [0, 0]],
    ];
    for (const [shape, offs] of cases) {
      const bytes = rawFile({ w: { dtype: 'F32', shape, data_offsets: offs } }, new Uint8Array(16));
      const err = ownError(() => parseSafetensors(bytes, FILE), SafetensorsError, FILE, 1000);
      expect(err.message).toMatch(/^fuzz\.safetensors: tensor 'w': /);
      expect(err.message).not.toMatch(/Infinity|NaN/);
    }
  });

  test('__metadata__ must be an object of strings; odd keys are kept as plain keys', () => {
    for (const bad of [['a'], 'text', 3, null]) {
      const err = ownError(() => parseSafetensors(rawFile({ __metadata__: bad }), FILE), SafetensorsError, FILE);
      expect(err.message).toBe(`${FILE}: __metadata__ must be an object of strings`);
    }
    const f = parseSafetensors(rawFile(JSON.parse('{"__metadata__": {"__proto__": "x", "constructor": "y", "ok": "z"}}')), FILE);
    expect(Object.entries(f.metadata)).toEqual([['__proto__', 'x'], ['constructor', 'y'], ['ok', 'z']]);
  });

  describe('files on disk', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rb-st-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    test('a missing file, a folder and an empty file name the path', () => {
      const missing = join(dir, 'nope.safetensors');
      expect(ownError(() => loadSafetensors(missing), SafetensorsError, missing).message).toBe(`${missing}: cannot read (ENOENT)`);
      const folder = join(dir, 'folder.safetensors');
      mkdirSync(folder);
      expect(ownError(() => loadSafetensors(folder), SafetensorsError, folder).message).toBe(`${folder}: cannot read (EISDIR)`);
      const empty = join(dir, 'empty.safetensors');
      writeFileSync(empty, '');
      expect(ownError(() => loadSafetensors(empty), SafetensorsError, empty).message).toMatch(/file is 0 bytes, too short/);
    });
  });
});
