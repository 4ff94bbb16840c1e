import { describe, expect, test } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { encodeModule, sleb, uleb } from '../../src/backend/wasm/emit/encoding.js';
import { FunctionBuilder, forLoop, i32 } from '../../src/backend/wasm/emit/instructions.js';
import { wasmFeatures } from '../../src/backend/wasm/features.js';

const DIST_BACKEND = fileURLToPath(new URL('../../dist/src/backend/index.js', import.meta.url));

/** Decode LEB128 back, to check the encoders by round trip. */
function decode(bytes: number[], signed: boolean): number {
  let result = 0, shift = 0, byte = 0, i = 0;
  do {
    byte = bytes[i++];
    result += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  if (signed && byte & 0x40) result -= 2 ** shift;
  expect(i).toBe(bytes.length);
  return result;
}

describe('wasm emitter', () => {
  test('LEB128 matches the spec examples and round-trips', () => {
    expect(uleb(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(sleb(-123456)).toEqual([0xc0, 0xbb, 0x78]);
    expect(sleb(63)).toEqual([0x3f]);
    expect(sleb(64)).toEqual([0xc0, 0x00]);
    expect(sleb(-64)).toEqual([0x40]);
    fc.assert(fc.property(fc.nat(), (n) => decode(uleb(n), false) === n));
    fc.assert(fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (n) => decode(sleb(n), true) === n));
  });

  test('an emitted function runs: Σ_{i<n} i·3 with a for-loop', () => {
    const f = new FunctionBuilder('sum3', { n: 'i32' }, ['i32']);
    const n = f.param('n'), i = f.local('i', 'i32'), s = f.local('s', 'i32');
    const bytes = encodeModule(null, [f.build([forLoop(i, i32.const(0), n.get(), 1, s.set(i32.add(s.get(), i32.mul(i.get(), i32.const(3))))), s.get()])]);
    const WA = (globalThis as unknown as { WebAssembly: { Instance: new (m: object) => { exports: { sum3(n: number): number } }; Module: new (b: Uint8Array) => object } }).WebAssembly;
    const { sum3 } = new WA.Instance(new WA.Module(bytes)).exports;
    expect(sum3(10)).toBe(135);
    expect(sum3(0)).toBe(0);
  });

  test('feature detection runs and SIMD is on in Node 20', () => {
    const f = wasmFeatures();
    expect(f.simd).toBe(true);
    expect(f.sharedMemory).toBe(true);
    expect(typeof f.relaxedSimd).toBe('boolean');
  });

  // in a fresh process (the flag must be set before the first module compiles), on the compiled dist/ (npm test builds it)
  test.runIf(existsSync(DIST_BACKEND))('AMSUNET_RELAXED_SIMD=1 turns relaxed SIMD on from inside the process (Node 20: a V8 flag), =0 refuses it', () => {
    const relaxed = (setting: string) => execFileSync(process.execPath, ['--input-type=module', '-e',
      `const m = await import(${JSON.stringify(pathToFileURL(DIST_BACKEND).href)}); console.log(m.wasmFeatures().relaxedSimd)`],
    { env: { ...process.env, AMSUNET_RELAXED_SIMD: setting }, encoding: 'utf8' }).trim();
    expect(relaxed('1')).toBe('true');
    expect(relaxed('0')).toBe('false');
  });
});

describe('every opcode in one place', () => {
  // The modules (src/backend/wasm/modules/) and drivers build code from emit/instructions.ts and emit/encoding.ts
  // only: a hex literal anywhere else under src/backend/wasm/ is an opcode (or an immediate) written by hand.
  test('no hex literal in src/backend/wasm/ outside emit/', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const root = fileURLToPath(new URL('../../src/backend/wasm/', import.meta.url));
    const files = (readdirSync(root, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts') && !f.startsWith('emit'));
    expect(files.length).toBeGreaterThan(10);
    const found = files.flatMap((f) => readFileSync(root + f, 'utf8').split('\n')
      .map((line, i) => [f, i + 1, line] as const)
      .filter(([, , line]) => /\b0x[0-9a-f]+\b/i.test(line.replace(/\/\/.*$|^\s*\*.*$/, ''))));
    expect(found.map(([f, n, line]) => `${f}:${n}: ${line.trim()}`)).toEqual([]);
  });
});
