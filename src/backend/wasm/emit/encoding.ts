/**
 * The WebAssembly binary format, as much of it as our kernels need: LEB128 numbers, vectors, sections, and a
 * module made of types, imports (one memory), functions, exports and code.
 * Reference: https://webassembly.github.io/spec/core/binary/ (section ids, value types, limits flags).
 */

/** Bytes of code or of a section; nested arrays are flattened when a function body is assembled. */
export type Bytes = number[];

/** Value types (spec 5.3.1). */
export const valType = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b } as const;
export type ValType = keyof typeof valType;

/** Unsigned LEB128: 7 bits per byte, low bits first, high bit set on every byte but the last. */
export function uleb(n: number): Bytes {
  const out: Bytes = [];
  do {
    let byte = n & 0x7f;
    n = Math.floor(n / 128);
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (for i32.const): stop when the remaining bits are all copies of the sign bit of the last byte. */
export function sleb(n: number): Bytes {
  const out: Bytes = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    const done = (n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

/** A 32-bit float, little-endian (f32.const immediate). */
export function f32Bytes(x: number): Bytes {
  return [...new Uint8Array(new Float32Array([x]).buffer)];
}

export function f64Bytes(x: number): Bytes {
  return [...new Uint8Array(new Float64Array([x]).buffer)];
}

/** A UTF-8 name: its byte length, then the bytes. */
export function name(s: string): Bytes {
  const b = [...new TextEncoder().encode(s)];
  return [...uleb(b.length), ...b];
}

/** A vector: the element count, then the elements. */
export function vec(items: Bytes[]): Bytes {
  return [...uleb(items.length), ...items.flat()];
}

/** A section: id, byte size, contents. */
function section(id: number, contents: Bytes): Bytes {
  return [id, ...uleb(contents.length), ...contents];
}

export interface FuncType {
  params: ValType[];
  results: ValType[];
}

export interface ModuleFunction {
  name: string;
  type: FuncType;
  /** Locals beyond the parameters, in index order (indices continue after the params). */
  locals: ValType[];
  body: Bytes;
  exported: boolean;
}

export interface MemoryImport {
  module: string;
  field: string;
  initialPages: number;
  maximumPages: number;
  shared: boolean;
}

/**
 * Assemble a module: one imported memory, then the functions (function index i = position i, since the only
 * import is a memory). Identical signatures share one type entry.
 */
export function encodeModule(memory: MemoryImport | null, functions: ModuleFunction[]): Uint8Array {
  const typeKeys: string[] = [];
  const types: Bytes[] = [];
  const typeIndex = functions.map((f) => {
    const key = `${f.type.params.join(',')}->${f.type.results.join(',')}`;
    let i = typeKeys.indexOf(key);
    if (i < 0) {
      i = typeKeys.push(key) - 1;
      types.push([0x60, ...vec(f.type.params.map((t) => [valType[t]])), ...vec(f.type.results.map((t) => [valType[t]]))]);
    }
    return i;
  });

  const sections: Bytes[] = [[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]]; // "\0asm", version 1
  sections.push(section(1, vec(types)));
  if (memory) {
    // limits flags: bit 0 = has maximum, bit 1 = shared (threads proposal)
    const limits = [memory.shared ? 0x03 : 0x01, ...uleb(memory.initialPages), ...uleb(memory.maximumPages)];
    sections.push(section(2, vec([[...name(memory.module), ...name(memory.field), 0x02, ...limits]])));
  }
  sections.push(section(3, vec(typeIndex.map((i) => uleb(i)))));
  const exports = functions.flatMap((f, i) => (f.exported ? [[...name(f.name), 0x00, ...uleb(i)]] : []));
  sections.push(section(7, vec(exports)));
  const bodies = functions.map((f) => {
    // locals are run-length encoded: (count, type) pairs
    const runs: Bytes[] = [];
    for (let i = 0; i < f.locals.length; ) {
      let j = i;
      while (j < f.locals.length && f.locals[j] === f.locals[i]) j++;
      runs.push([...uleb(j - i), valType[f.locals[i]]]);
      i = j;
    }
    const body = [...vec(runs), ...f.body, 0x0b]; // end
    return [...uleb(body.length), ...body];
  });
  sections.push(section(10, vec(bodies)));
  return new Uint8Array(sections.flat());
}
