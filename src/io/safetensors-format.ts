/**
 * The .safetensors format (huggingface/safetensors): 8-byte little-endian header length N, N bytes of JSON
 * { name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__"?: { string: string } }, then the raw
 * little-endian, row-major bytes of every tensor (offsets are relative to the end of the header).
 *
 * Floats F64 and F32 load as float64/float32; F16 and BF16 widen to float32; integers (I8..I64, U8..U64, BOOL)
 * load as int32 (an I64/U64 value outside the int32 range is an error, not a silent wrap).
 *
 * Bytes in, bytes out, on every platform; reading and writing files is in safetensors.ts (Node).
 */
import { Tensor } from '../tensor/tensor.js';
import { numel } from '../tensor/shape.js';

export class SafetensorsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SafetensorsError';
  }
}

export const SAFETENSORS_DTYPES = ['F64', 'F32', 'F16', 'BF16', 'I64', 'I32', 'I16', 'I8', 'U64', 'U32', 'U16', 'U8', 'BOOL'] as const;
export type SafetensorsDType = (typeof SAFETENSORS_DTYPES)[number];
const BYTES: Record<SafetensorsDType, number> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U64: 8, U32: 4, U16: 2, U8: 1, BOOL: 1,
};

export interface SafetensorsFile {
  tensors: Map<string, Tensor>;
  /** The file's dtype for each tensor (e.g. 'I64' for num_batches_tracked, though it loads as int32). */
  dtypes: Map<string, SafetensorsDType>;
  metadata: Record<string, string>;
}

function f16ToF32(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** A header value for an error message: JSON, cut short, "missing" for undefined. */
function shown(v: unknown): string {
  if (v === undefined) return '(missing)';
  const j = JSON.stringify(v);
  return j.length > 60 ? `${j.slice(0, 57)}...` : j;
}

/** Parse a safetensors byte buffer; `source` names the file in error messages. */
export function parseSafetensors(input: Uint8Array | ArrayBuffer, source = 'safetensors'): SafetensorsFile {
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  const fail = (why: string): never => {
    throw new SafetensorsError(`${source}: ${why}`);
  };
  if (bytes.length < 8) fail(`file is ${bytes.length} bytes, too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  if (n < 2 || 8 + n > bytes.length) fail(`header length ${n} does not fit in a file of ${bytes.length} bytes (truncated or not a safetensors file)`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch {
    return fail('header is not valid JSON (not a safetensors file?)');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return fail('header is not a JSON object');
  const dataStart = 8 + n;
  const dataLen = bytes.length - dataStart;
  const out: SafetensorsFile = { tensors: new Map(), dtypes: new Map(), metadata: {} };
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) fail('__metadata__ must be an object of strings');
      for (const [k, v] of Object.entries(entry as object)) {
        if (typeof v !== 'string') fail(`__metadata__.${k} must be a string`);
        // defineProperty, not assignment: a key such as "__proto__" must stay a plain key
        Object.defineProperty(out.metadata, k, { value: v, enumerable: true, writable: true, configurable: true });
      }
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e !== 'object' || e === null || Array.isArray(e)) fail(`tensor '${name}': entry is not an object`);
    const dtype = e.dtype as SafetensorsDType;
    if (!SAFETENSORS_DTYPES.includes(dtype)) fail(`tensor '${name}': ${e.dtype === undefined ? 'no dtype' : `unknown dtype ${shown(e.dtype)}`}`);
    const shape = e.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`tensor '${name}': bad shape ${shown(shape)}`);
    const offs = e.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(`tensor '${name}': bad data_offsets ${shown(offs)}`);
    }
    const [begin, end] = offs as [number, number];
    const count = numel(shape as number[]);
    if (end < begin || end > dataLen) fail(`tensor '${name}': data_offsets [${begin}, ${end}] run past the end of the data (${dataLen} bytes; truncated file?)`);
    // checked before any allocation: a lying shape could otherwise ask for more memory than exists
    if (count * BYTES[dtype] > dataLen) {
      fail(`tensor '${name}': shape [${(shape as number[]).join(', ')}] of ${dtype} needs more bytes than the whole data section (${dataLen} bytes)`);
    }
    if (end - begin !== count * BYTES[dtype]) {
      fail(`tensor '${name}': ${end - begin} bytes of data for shape [${(shape as number[]).join(', ')}] of ${dtype} (needs ${count * BYTES[dtype]})`);
    }
    const dv = new DataView(bytes.buffer, bytes.byteOffset + dataStart + begin, end - begin);
    out.tensors.set(name, decode(dv, dtype, count, shape as number[], name, fail));
    out.dtypes.set(name, dtype);
  }
  return out;
}

function decode(dv: DataView, dtype: SafetensorsDType, count: number, shape: number[], name: string, fail: (w: string) => never): Tensor {
  switch (dtype) {
    case 'F64': {
      const a = new Float64Array(count);
      for (let i = 0; i < count; i++) a[i] = dv.getFloat64(i * 8, true);
      return new Tensor(a, shape);
    }
    case 'F32': {
      const a = new Float32Array(count);
      for (let i = 0; i < count; i++) a[i] = dv.getFloat32(i * 4, true);
      return new Tensor(a, shape);
    }
    case 'F16':
    case 'BF16': {
      const a = new Float32Array(count);
      for (let i = 0; i < count; i++) {
        const h = dv.getUint16(i * 2, true);
        if (dtype === 'F16') a[i] = f16ToF32(h);
        else {
          const b = new DataView(new ArrayBuffer(4));
          b.setUint32(0, h << 16, true);
          a[i] = b.getFloat32(0, true);
        }
      }
      return new Tensor(a, shape);
    }
    default: {
      const a = new Int32Array(count);
      const w = BYTES[dtype];
      for (let i = 0; i < count; i++) {
        let v: number;
        if (dtype === 'I64' || dtype === 'U64') {
          const big = dtype === 'I64' ? dv.getBigInt64(i * 8, true) : dv.getBigUint64(i * 8, true);
          if (big > 2147483647n || big < -2147483648n) fail(`tensor '${name}': ${dtype} value ${big} does not fit in int32`);
          v = Number(big);
        } else if (dtype === 'I32') v = dv.getInt32(i * 4, true);
        else if (dtype === 'U32') {
          v = dv.getUint32(i * 4, true);
          if (v > 2147483647) fail(`tensor '${name}': U32 value ${v} does not fit in int32`);
        } else if (dtype === 'I16') v = dv.getInt16(i * w, true);
        else if (dtype === 'U16') v = dv.getUint16(i * w, true);
        else if (dtype === 'I8') v = dv.getInt8(i);
        else v = dv.getUint8(i);
        a[i] = v;
      }
      return new Tensor(a, shape);
    }
  }
}

export interface SerializeOptions {
  metadata?: Record<string, string>;
  /** File dtype per tensor name; default F32/F64 for floats, I64 for int32 (what PyTorch uses for indices/counters). */
  dtypes?: Map<string, SafetensorsDType> | Record<string, SafetensorsDType>;
}

/** Serialize named tensors (in the given order) to safetensors bytes. */
export function serializeSafetensors(tensors: Iterable<[string, Tensor]> | Map<string, Tensor>, options: SerializeOptions = {}): Uint8Array {
  const entries = [...tensors];
  const dtypeFor = (name: string, t: Tensor): SafetensorsDType => {
    const d = options.dtypes instanceof Map ? options.dtypes.get(name) : options.dtypes?.[name];
    if (d) return d;
    return t.dtype === 'float32' ? 'F32' : t.dtype === 'float64' ? 'F64' : 'I64';
  };
  const header: Record<string, unknown> = {};
  if (options.metadata && Object.keys(options.metadata).length) header.__metadata__ = options.metadata;
  let offset = 0;
  const plan: [Tensor, SafetensorsDType, number][] = [];
  for (const [name, t] of entries) {
    const dt = dtypeFor(name, t);
    if (!(['F64', 'F32', 'I64', 'I32'] as string[]).includes(dt)) throw new SafetensorsError(`serialize: writing ${dt} is not supported (tensor '${name}')`);
    const len = t.size * BYTES[dt];
    header[name] = { dtype: dt, shape: [...t.shape], data_offsets: [offset, offset + len] };
    plan.push([t, dt, offset]);
    offset += len;
  }
  const json = JSON.stringify(header);
  const raw = new TextEncoder().encode(json);
  const hbytes = new Uint8Array(raw.length + ((8 - ((8 + raw.length) % 8)) % 8)).fill(0x20); // space-padded: the data is 8-byte aligned
  hbytes.set(raw);
  const out = new Uint8Array(8 + hbytes.length + offset);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, BigInt(hbytes.length), true);
  out.set(hbytes, 8);
  const base = 8 + hbytes.length;
  for (const [t, dt, off] of plan) {
    const d = t.data;
    const p = base + off;
    for (let i = 0; i < d.length; i++) {
      if (dt === 'F32') dv.setFloat32(p + i * 4, d[i], true);
      else if (dt === 'F64') dv.setFloat64(p + i * 8, d[i], true);
      else if (dt === 'I64') dv.setBigInt64(p + i * 8, BigInt(Math.trunc(d[i])), true);
      else dv.setInt32(p + i * 4, d[i], true);
    }
  }
  return out;
}
