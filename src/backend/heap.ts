/**
 * The shared heap: one shared WebAssembly.Memory that the main thread and every worker map. Wasm kernels can only
 * read their own memory, and workers can only see SharedArrayBuffers, so both backends run pooled work on data
 * in this heap and pass byte addresses, never arrays, to the workers.
 *
 * Layout (byte addresses):
 *   [0, 64)                           never used (address 0 stays a null pointer)
 *   [64, 64 + slots·slotBytes)        one private scratch slot per thread (kernel packing buffers)
 *   [stagingBase, top)                staging arena: a bump allocator, reset before each top-level call
 *
 * Memory management choice: operands that are ordinary JS arrays are copied into the staging arena and results
 * copied back (a memcpy each, O(MK + KN + MN) against the O(MNK) multiply); arrays that are already views of
 * this heap (from `allocShared`) are used in place with no copy. Scratch is allocated once per thread and reused.
 * The memory only grows (by whole pages, on demand); it never moves, so addresses stay valid.
 */
import { WASM_PAGE_BYTES, type WasmMemory, wasmApi } from './wasm/api.js';
import type { FloatArray } from '../tensor/dtype.js';

const MAX_PAGES = 65536; // 4 GiB, the wasm32 limit

export class SharedHeap {
  readonly memory: WasmMemory;
  readonly slotBytes: number;
  readonly slots: number;
  readonly stagingBase: number;
  private top: number;
  /** Every buffer object the memory has handed out (a new one after each growth): to recognise our views. */
  private readonly buffers = new Set<ArrayBuffer | SharedArrayBuffer>();
  private f32View: Float32Array = new Float32Array(0);
  private f64View: Float64Array = new Float64Array(0);

  /** Wrap an existing memory (in a worker) or create one (main thread). */
  constructor(opts: { slots: number; slotBytes: number; memory?: WasmMemory; initialBytes?: number }) {
    if (!wasmApi) throw new Error('SharedHeap: this runtime has no WebAssembly');
    this.slots = opts.slots;
    this.slotBytes = align(opts.slotBytes, 64);
    this.stagingBase = 64 + this.slots * this.slotBytes;
    this.top = this.stagingBase;
    const pages = Math.ceil(Math.max(this.stagingBase + (opts.initialBytes ?? 1 << 24), 1) / WASM_PAGE_BYTES);
    this.memory = opts.memory ?? new wasmApi.Memory({ initial: pages, maximum: MAX_PAGES, shared: true });
    this.ensure(this.stagingBase);
  }

  /** Byte address of thread `slot`'s private scratch. */
  scratch(slot: number): number {
    if (slot < 0 || slot >= this.slots) throw new Error(`SharedHeap: no scratch slot ${slot} (have ${this.slots})`);
    return 64 + slot * this.slotBytes;
  }

  /** Make [0, bytes) addressable, growing the memory if needed. */
  ensure(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytes > have) this.memory.grow(Math.ceil((bytes - have) / WASM_PAGE_BYTES));
    this.refresh();
  }

  /** Current float32 / float64 views over the whole memory (re-made after growth). */
  get f32(): Float32Array {
    if (this.f32View.buffer !== this.memory.buffer || this.f32View.length === 0) this.refresh();
    return this.f32View;
  }

  get f64(): Float64Array {
    if (this.f64View.buffer !== this.memory.buffer || this.f64View.length === 0) this.refresh();
    return this.f64View;
  }

  /** True when `x` is a view of this heap (so its byteOffset is its wasm address). */
  contains(x: ArrayBufferView): boolean {
    return this.buffers.has(x.buffer) || (this.refresh(), this.buffers.has(x.buffer));
  }

  /** Forget everything staged since the last reset. */
  resetStaging(): void {
    this.top = this.stagingBase;
  }

  /** Reserve `bytes` (64-byte aligned) in the staging arena; returns the byte address. */
  stage(bytes: number): number {
    const at = align(this.top, 64);
    this.top = at + bytes;
    this.ensure(this.top);
    return at;
  }

  /** Copy x[offset, offset + length) into the staging arena as `like` (float32 or float64); returns the address of x[offset]. */
  stageCopy(x: FloatArray, offset: number, length: number, as: 'float32' | 'float64'): number {
    const size = as === 'float32' ? 4 : 8;
    const at = this.stage(length * size);
    (as === 'float32' ? this.f32 : this.f64).set(x.subarray(offset, offset + length), at / size);
    return at;
  }

  private refresh(): void {
    const buf = this.memory.buffer;
    this.buffers.add(buf);
    if (this.f32View.buffer !== buf || this.f32View.byteLength !== buf.byteLength) {
      this.f32View = new Float32Array(buf);
      this.f64View = new Float64Array(buf);
    }
  }
}

export function align(x: number, m: number): number {
  return Math.ceil(x / m) * m;
}
