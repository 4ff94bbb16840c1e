/**
 * The shared heap: one shared WebAssembly.Memory that the main thread and every worker map. Wasm kernels can only
 * read their own memory, and workers can only see SharedArrayBuffers, so both backends run pooled work on data
 * in this heap and pass byte addresses, never arrays, to the workers.
 *
 * Layout (byte addresses):
 *   [0, 64)                           never used (address 0 stays a null pointer)
 *   [64, 64 + slots·slotBytes)        one private scratch slot per thread (kernel packing buffers)
 *   [stagingBase, top)                regions: tensor buffers (`allocRegion`) and staging areas (`stage`)
 *
 * Regions come from free lists of their exact (64-byte rounded) size: a training step or a forward at a fixed image
 * size asks for the same sizes every time, so the lists serve it in O(1). A size with no list entry is not taken from
 * the top at once: first every free region is merged with its free neighbours and the smallest one that fits is
 * split (best fit; `compact`), and only when none fits does the top move up, after the heap's pressure handler
 * (the buffer pool, which keeps released tensor views for reuse, under inference) has given its regions back. So the memory a
 * forward touches is close to its largest live set, whatever mix of sizes it asks for (without merging, the 128 MB
 * regions of a 512² stage could not serve the 32 MB requests of the next one, and the heap grew to twice the live
 * set, every page of it faulted in on the first call). Staging areas are rounded up to a power of two and all freed
 * together by `resetStaging`, which each top-level call does first.
 *
 * Memory management choice: operands that are ordinary JS arrays are copied into staging areas and results
 * copied back (a memcpy each, O(MK + KN + MN) against the O(MNK) multiply); arrays that are already views of
 * this heap (tensor buffers the buffer pool hands out on the wasm backend, see tensor-buffers.ts) are used in place
 * with no copy. Scratch is allocated once per thread and reused. The memory only grows (by whole pages, on
 * demand); it never moves, so addresses stay valid. Untouched pages cost address space only: what costs time (a page
 * fault per 4 KiB on first touch) and resident memory is what the top has passed, which is why it moves reluctantly.
 */
import { WASM_PAGE_BYTES, type WasmMemory, wasmApi } from '../wasm/api.js';
import { wasmFeatures } from '../wasm/features.js';
import type { FloatArray } from '../../tensor/dtype.js';

const MAX_PAGES = 65536; // 4 GiB, the wasm32 limit

export class SharedHeap {
  readonly memory: WasmMemory;
  readonly slotBytes: number;
  readonly slots: number;
  readonly stagingBase: number;
  private top: number;
  /** Free regions by size in bytes. */
  private readonly freeRegions = new Map<number, number[]>();
  /** Staging areas handed out since the last reset: [address, bytes]. */
  private staged: [number, number][] = [];
  /** Bytes in regions currently handed out (tensor buffers and staging), for the caller's limits. */
  private inUse = 0;
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
    this.memory = opts.memory ?? new wasmApi.Memory({ initial: pages, maximum: MAX_PAGES, shared: wasmFeatures().sharedMemory });
    this.ensure(this.stagingBase);
  }

  /**
   * Private scratch of `bytes` for each of `threads` threads in one pooled call, as [base, stride]: thread s uses
   * base + s·stride. The threads' own slots when it fits in one; else a staged block (valid until the next
   * resetStaging), so a kernel's scratch grows with its problem (a padded 768² plane is 2.4 MB, past a slot).
   */
  scratchFor(bytes: number, threads: number): [number, number] {
    if (bytes <= this.slotBytes) return [64, this.slotBytes];
    const stride = align(bytes, 64);
    return [this.stage(stride * threads), stride];
  }

  /** Byte address of thread `slot`'s private scratch. */
  scratch(slot: number): number {
    if (slot < 0 || slot >= this.slots) throw new Error(`SharedHeap: no scratch slot ${slot} (have ${this.slots})`);
    return 64 + slot * this.slotBytes;
  }

  /** Make [0, bytes) addressable, growing the memory if needed. */
  ensure(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytes > have) {
      // grow with headroom (a quarter more, at least 64 MiB): untouched pages cost address space, not memory
      const max = MAX_PAGES * WASM_PAGE_BYTES;
      if (bytes > max) throw new Error(`SharedHeap: ${bytes} bytes needed, more than the 4 GiB WebAssembly memory`);
      const want = Math.min(max, Math.max(bytes, have + Math.max(have >> 2, 64 << 20)));
      this.memory.grow(Math.ceil((want - have) / WASM_PAGE_BYTES));
    }
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

  /**
   * Byte address of x[offset] for a kernel: x itself when it is a view of this heap, else a staged copy of
   * x[offset, offset + length) (valid until the next resetStaging).
   */
  place(x: FloatArray, offset = 0, length = x.length - offset): number {
    const at = this.tryPlace(x, offset, length);
    if (at === 0) throw new Error(`SharedHeap: cannot stage ${length * x.BYTES_PER_ELEMENT} bytes: the 4 GiB WebAssembly memory is full`);
    return at;
  }

  /** As place, but 0 when a copy is needed and the memory cannot hold it (the caller goes without the heap). */
  tryPlace(x: FloatArray, offset = 0, length = x.length - offset): number {
    if (this.contains(x)) return x.byteOffset + offset * x.BYTES_PER_ELEMENT;
    const size = x.BYTES_PER_ELEMENT, at = this.tryStage(length * size);
    if (at !== 0) (size === 8 ? this.f64 : this.f32).set(x.subarray(offset, offset + length), at / size);
    return at;
  }

  /** A staged copy of int32 values (an index table a pooled kernel reads), valid until the next resetStaging; its byte address. */
  placeInts(values: Int32Array): number {
    const at = this.stage(4 * values.length);
    new Int32Array(this.memory.buffer, at, values.length).set(values);
    return at;
  }

  /** True when every array is a view of this heap (pooled work on them needs no copies). */
  containsAll(arrays: readonly ArrayBufferView[]): boolean {
    return arrays.every((x) => this.contains(x));
  }

  /** Free every staging area handed out since the last reset. */
  resetStaging(): void {
    for (const [at, bytes] of this.staged) this.freeRegion(at, bytes);
    this.staged = [];
  }

  /** A staging area of at least `bytes` (64-byte aligned), valid until the next resetStaging; its byte address. */
  stage(bytes: number): number {
    const at = this.tryStage(bytes);
    if (at === 0) throw new Error(`SharedHeap: cannot stage ${bytes} bytes: the 4 GiB WebAssembly memory is full`);
    return at;
  }

  /** As stage, but 0 when the memory cannot hold it (for staging that only speeds work up: the caller goes without). */
  tryStage(bytes: number): number {
    const size = Math.max(64, 2 ** Math.ceil(Math.log2(Math.max(bytes, 1))));
    const at = this.allocRegion(size);
    if (at !== 0) this.staged.push([at, size]);
    return at;
  }

  /**
   * A region of `bytes` (rounded up to 64); returns its byte address, or 0 when the memory would pass `limit`
   * bytes (default: the 4 GiB wasm32 maximum). The region holds whatever it last held (zeros if never used).
   * `grow` false: 0 instead of moving the top (the caller may free something and ask again).
   */
  allocRegion(bytes: number, limit = MAX_PAGES * WASM_PAGE_BYTES, grow = true): number {
    const size = align(Math.max(bytes, 1), 64);
    let at = this.exactFit(size, limit) || this.bestFit(size, limit);
    if (at === 0) {
      if (!grow) return 0;
      if (this.onPressure && !this.relieving) {
        this.relieving = true; // the handler frees regions; it must not re-enter through an allocation of its own
        try {
          this.onPressure();
        } finally {
          this.relieving = false;
        }
        at = this.bestFit(size, limit);
      }
      if (at === 0) at = this.fromTop(size, limit);
      if (at === 0) return 0;
    }
    this.inUse += size;
    if (this.inUse > this.peakInUse) this.peakInUse = this.inUse;
    return at;
  }

  /** Give back a region from allocRegion (same `bytes`). */
  freeRegion(at: number, bytes: number): void {
    const size = align(Math.max(bytes, 1), 64);
    this.pushFree(at, size);
    this.inUse -= size;
  }

  private pushFree(at: number, size: number): void {
    let list = this.freeRegions.get(size);
    if (!list) this.freeRegions.set(size, (list = []));
    list.push(at);
    this.freeBytes += size;
  }

  /** The last freed region of exactly `size` below `limit`, or 0. */
  private exactFit(size: number, limit: number): number {
    const list = this.freeRegions.get(size);
    if (!list?.length || list[list.length - 1] + size > limit) return 0;
    this.freeBytes -= size;
    return list.pop()!;
  }

  /**
   * Called once when an allocation finds no free region that fits, before the top moves up: it should free what it
   * can spare (the buffer pool gives back its released tensor views). Set by whoever keeps regions for reuse.
   */
  onPressure: (() => void) | null = null;
  private relieving = false;
  private highWater = 0; // the most the top has been
  private peakInUse = 0;
  /** Bytes on the free lists. */
  private freeBytes = 0;

  /**
   * Merge adjacent free regions (address order) into one, leaving one list entry per merged run, and lower the
   * top over a free run that ends at it. O(f log f) for f free regions; runs only when an exact list is empty.
   */
  compact(): void {
    const runs: [number, number][] = [];
    for (const [size, list] of this.freeRegions) for (const at of list) runs.push([at, size]);
    this.freeRegions.clear();
    this.freeBytes = 0;
    runs.sort((a, b) => a[0] - b[0]);
    const merged: [number, number][] = [];
    for (const [at, size] of runs) {
      const last = merged[merged.length - 1];
      if (last && last[0] + last[1] > at) throw new Error(`SharedHeap: region ${at} freed twice (overlaps the free region at ${last[0]})`);
      if (last && last[0] + last[1] === at) last[1] += size;
      else merged.push([at, size]);
    }
    const last = merged[merged.length - 1];
    if (last && last[0] + last[1] === this.top) {
      this.top = last[0];
      merged.pop();
    }
    for (const [at, size] of merged) this.pushFree(at, size);
  }

  /** Compact, then split the smallest free region of at least `size` below `limit`; 0 when none fits. */
  private bestFit(size: number, limit: number): number {
    if (this.freeBytes < size) return 0;
    this.compact();
    let best = 0, bestSize = Infinity;
    for (const [s, list] of this.freeRegions) {
      if (s < size || s >= bestSize) continue;
      for (const at of list) {
        if (at + size <= limit) {
          best = at;
          bestSize = s;
          break;
        }
      }
    }
    if (best === 0) return 0;
    const list = this.freeRegions.get(bestSize)!;
    list.splice(list.indexOf(best), 1);
    if (list.length === 0) this.freeRegions.delete(bestSize);
    this.freeBytes -= bestSize;
    if (bestSize > size) this.pushFree(best + size, bestSize - size); // the rest stays free
    return best;
  }

  /** A region at the top, which moves up (growing the memory when needed); 0 past `limit`. */
  private fromTop(size: number, limit: number): number {
    if (this.freeBytes > 0) this.compact(); // a free run that ends at the top lowers it: the new region extends that run
    if (this.top + size > limit) return 0;
    const at = this.top;
    this.top += size;
    this.highWater = Math.max(this.highWater, this.top);
    this.ensure(this.top);
    return at;
  }

  /**
   * Bytes of the memory in use: handed-out regions (the most at once in peakInUseBytes); the most the region area
   * above the scratch slots has reached (every page of it may have been touched: the regions' share of resident
   * memory); and the whole memory's current size (mostly address space: scratch slots of threads never started,
   * growth headroom).
   */
  usage(): { inUseBytes: number; peakInUseBytes: number; touchedBytes: number; memoryBytes: number } {
    return {
      inUseBytes: this.inUse, peakInUseBytes: this.peakInUse, touchedBytes: Math.max(0, this.highWater - this.stagingBase),
      memoryBytes: this.memory.buffer.byteLength,
    };
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
