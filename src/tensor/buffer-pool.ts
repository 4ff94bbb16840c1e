/**
 * The buffer pool: typed arrays of tensors whose lifetime is known to be over, kept for reuse.
 *
 * Why: a fresh typed array of a few MB is fresh memory from the OS, and touching it for the first time costs a
 * page fault per 4 KiB page — 18 ms for 32 MB on the 2-core VM this was measured on, against 0.5 ms to zero-fill a
 * reused one. A training step of AMSUnet allocates gigabytes of activations and gradients of the same sizes every
 * step, so without reuse a good part of the step is spent faulting pages in.
 *
 * How a buffer comes back (nothing is ever recycled behind the user's back):
 *  - `backward(loss, undefined, { recycle: true })` releases the graph's intermediate tensors as soon as backward
 *    is done with them, and the gradients it made once they are consumed (src/autograd/engine.ts);
 *  - `tidy(fn)` releases every tensor created inside fn except what fn returns (src/autograd/tidy.ts).
 * A released tensor keeps its shape but has no data: reading `.data` throws a clear error, so a use after release
 * can never read someone else's numbers.
 *
 * Which buffers may be released: only a tensor's own whole buffer (`byteOffset` 0, spanning its ArrayBuffer) of at
 * least MIN_ELEMENTS, and only if no other Tensor object was ever made over the same ArrayBuffer (a reshape that
 * reuses the data, a subarray view): those are marked shared here, by the Tensor constructor, and never recycled.
 *
 * Buffers are pooled by dtype and exact length (a training step asks for the same sizes every time) and handed out
 * zero-filled, exactly as a new typed array. The pool holds at most `limit` bytes of plain arrays; past that a
 * released one is left to the garbage collector (heap views are bounded by the heap, and always kept).
 */
import type { DType, TypedArray } from './dtype.js';

/** Smaller arrays are cheap to allocate (no page faults worth saving) and are never pooled. */
export const MIN_ELEMENTS = 1 << 14;

const free = new Map<string, TypedArray[]>();
let heldBytes = 0;
/** The part of heldBytes in plain arrays (not heap views): what the limit bounds. */
let heldPlainBytes = 0;
let limitBytes = 4 * 1024 ** 3;
let stats = { reused: 0, missed: 0, released: 0, dropped: 0 };

/** ArrayBuffers a Tensor was built over, and those more than one Tensor was built over (never recycled). */
const owned = new WeakSet<ArrayBufferLike>();
const shared = new WeakSet<ArrayBufferLike>();
/** The same for views of a shared memory from the fresh-buffer source (they all share one buffer: keyed by view). */
const ownedViews = new WeakSet<TypedArray>();
const sharedViews = new WeakSet<TypedArray>();

/**
 * Where new buffers come from when the pool has none: by default `new Float32Array(n)` and friends; the wasm
 * backend installs a source that hands out views of its shared heap, so kernels use tensors in place without
 * copying them in and out (src/backend/tensor-buffers.ts). `owns(a)` tells the source's views apart.
 */
export interface FreshBufferSource {
  take(dtype: DType, n: number, zero: boolean): TypedArray | undefined;
  owns(a: TypedArray): boolean;
  /** Whether take() would serve this dtype now (e.g. float32 on the wasm backend). */
  serves(dtype: DType): boolean;
  /** Take back one of its views the pool no longer wants (its memory is the source's to hand out again). */
  give?(a: TypedArray): void;
  /** Bytes of memory it has ever used (never shrinks): unchanged by a take() that reused memory given back. */
  usedBytes?(): number;
  /** Get ready to serve (the heap, its worker threads, their compiled kernels), ahead of the first take(). */
  prepare?(): void;
}
let source: FreshBufferSource | null = null;
let prepared = false;

export function setFreshBufferSource(s: FreshBufferSource | null): void {
  source = s;
  prepared = false;
}

/**
 * A model is being built (Module.param): its forward will want the source's memory, so let the source get ready
 * now, once. Starting the worker threads and compiling the kernels here, while the model's weights are made (and
 * loaded), keeps that work out of the model's first forward, which then pays only for what depends on its input's
 * size.
 */
export function prepareFreshBuffers(): void {
  if (prepared || !source) return;
  prepared = true;
  source.prepare?.();
}

/**
 * Whether buffers made now should come from the fresh-buffer source (the wasm heap). Inside a lifetime scope —
 * a Module's forward, a backward, a tidy() (src/autograd/lifetimes.ts) — yes: what is made there is released
 * explicitly when its last use is over, so the heap region comes straight back. Outside, a buffer is a plain array
 * the garbage collector reclaims at once (a heap view would come back only after an event-loop turn, through its
 * FinalizationRegistry, which a synchronous loop never gives it). The first backward({ recycle }) or tidy() makes
 * the whole program managed (the behaviour before scopes existed; the CLI relies on it).
 */
let lifetimesManaged = false;
let scopeDepth = 0;

export function noteManagedLifetimes(): void {
  lifetimesManaged = true;
}

/** Whether a backward({ recycle }) or tidy() ran: from then on every buffer comes from the source. */
export function areLifetimesManaged(): boolean {
  return lifetimesManaged;
}

/** Whether each open scope is an inference one (nothing recorded: see returnSourcedBuffers), and how many are. */
const scopeKinds: boolean[] = [];
let inferenceDepth = 0;

/**
 * Enter / leave a lifetime scope (calls nest; every enter is paired with a leave in a finally). `inference`: a
 * forward under noGrad, whose request sizes change from stage to stage (see returnSourcedBuffers).
 */
export function enterLifetimeScope(inference = false): void {
  scopeDepth++;
  scopeKinds.push(inference);
  if (inference) inferenceDepth++, (inferenceRan = true);
}

export function leaveLifetimeScope(): void {
  scopeDepth--;
  if (scopeKinds.pop()) inferenceDepth--;
  if (scopeDepth === 0 && inferenceRan) {
    // the outermost scope of an inference call is over: every view goes back, so the heap is one merged run again
    // and the next call places its buffers exactly as this one did (else each call starts from the last one's
    // leftovers and the heap creeps up)
    inferenceRan = false;
    giveSourcedBack();
  }
}
let inferenceRan = false;

/** Whether the source has declined a request of a dtype it serves (its tensor region was full). */
let sourceFull = false;

function fromSource(): boolean {
  return source !== null && (lifetimesManaged || scopeDepth > 0);
}

/**
 * Memory for a new tensor of `n` elements, for allocArray / allocUninit, in the order that keeps memory lowest:
 *   1. a pooled array of that dtype and length (a released tensor's buffer);
 *   2. a new buffer from the installed source (a view of the wasm heap, see backend/parallel/tensor-buffers.ts);
 *   3. where the source has no room (its tensor region is full: a training step at 384² and up keeps more than it
 *      holds), a pooled plain array of that length: without it, plain arrays released in scopes went to a pool list
 *      nobody asked again, and every step made new ones until the pool limit (a plain 480² step: 16 GB where the
 *      tensors it keeps take 7).
 * undefined: make a new plain array. Zero-filled unless `zero` is false (then it may hold a released tensor's old
 * numbers, for kernels that write every element). Counts one request: reused (1, 3, or a source view over memory
 * the source had used before) or missed (new memory).
 */
export function acquireBuffer(dtype: DType, n: number, zero: boolean): TypedArray | undefined {
  if (n < MIN_ELEMENTS) return undefined;
  const served = fromSource() && source!.serves(dtype);
  const pooled = popFree(key(dtype, n, served));
  if (pooled) return reuse(pooled, zero);
  if (fromSource()) {
    const before = source!.usedBytes?.();
    const fresh = source!.take(dtype, n, zero);
    if (!fresh && source!.serves(dtype)) sourceFull = true;
    if (fresh) {
      if (before !== undefined && source!.usedBytes!() === before) stats.reused++; // a region the pool gave back
      else stats.missed++;
      return fresh;
    }
  }
  const plain = served ? popFree(key(dtype, n, false)) : undefined;
  if (plain) return reuse(plain, zero);
  stats.missed++;
  return undefined;
}

function reuse(a: TypedArray, zero: boolean): TypedArray {
  stats.reused++;
  return zero ? a.fill(0) : a;
}

/**
 * A plain copy of `data` when it is an unshared view from the source, the view going back to the pool; else
 * undefined. For tensors that leave every lifetime scope (a model's output): they are the user's now, and the
 * garbage collector must be able to reclaim them without an event-loop turn.
 */
export function plainCopyOfSourced(data: TypedArray): TypedArray | undefined {
  if (!source?.owns(data) || sharedViews.has(data)) return undefined;
  const copy = data instanceof Float32Array ? new Float32Array(data) : data instanceof Float64Array ? new Float64Array(data) : new Int32Array(data);
  giveBuffer(data);
  return copy;
}

/** Pool lists: by dtype, length, and whether the arrays are the source's views (handed out in scopes) or plain. */
const key = (dtype: DType, n: number, sourced: boolean): string => `${dtype}:${n}:${sourced ? 'heap' : 'plain'}`;

function dtypeName(a: TypedArray): DType {
  return a instanceof Float32Array ? 'float32' : a instanceof Float64Array ? 'float64' : 'int32';
}

/**
 * A pooled array of `n` elements, or undefined when the pool has none of that dtype and length (step 1 of
 * acquireBuffer alone). Zero-filled, unless `zero` is false: then it holds a released tensor's old numbers.
 */
export function takeBuffer(dtype: DType, n: number, zero = true): TypedArray | undefined {
  if (n < MIN_ELEMENTS) return undefined;
  const a = popFree(key(dtype, n, fromSource() && source!.serves(dtype)));
  if (a) return reuse(a, zero);
  stats.missed++;
  return undefined;
}

function popFree(k: string): TypedArray | undefined {
  const a = free.get(k)?.pop();
  if (a) {
    heldBytes -= a.byteLength;
    if (k.endsWith(':plain')) heldPlainBytes -= a.byteLength;
  }
  return a;
}

let poison = false;

/**
 * For tests: fill every released float buffer with NaN (int32 with -2^31), so a kernel that reads an element of
 * an uninitialised output (allocUninit) it never wrote shows up as NaN instead of as plausible stale numbers.
 */
export function poisonReleasedBuffers(on: boolean): void {
  poison = on;
}

/** Called by the Tensor constructor for every tensor's data: a second Tensor over the same buffer marks it shared. */
export function noteTensorBuffer(data: TypedArray): void {
  if (data.length < MIN_ELEMENTS) return;
  if (source?.owns(data)) {
    if (ownedViews.has(data)) sharedViews.add(data);
    else ownedViews.add(data);
    return;
  }
  const buf = data.buffer;
  if (owned.has(buf)) shared.add(buf);
  else owned.add(buf);
}

/** Whether a buffer is shared memory (a heap view); SharedArrayBuffer is undefined in a page that is not cross-origin isolated. */
const isShared = (b: ArrayBufferLike): boolean => typeof SharedArrayBuffer === 'function' && b instanceof SharedArrayBuffer;

/** True when `data` may be recycled once its tensor is released: big enough, a whole buffer, never shared. */
export function isRecyclable(data: TypedArray): boolean {
  if (isShared(data.buffer)) return data.length >= MIN_ELEMENTS && !!source?.owns(data) && !sharedViews.has(data);
  return (
    data.length >= MIN_ELEMENTS &&
    data.byteOffset === 0 &&
    data.byteLength === data.buffer.byteLength &&
    !isShared(data.buffer) &&
    !shared.has(data.buffer)
  );
}

/** Put a recyclable array back (the caller has made sure nothing reads it any more). */
export function giveBuffer(data: TypedArray): void {
  if (!isRecyclable(data)) return;
  stats.released++;
  // its tensor is gone; the next tensor over it will be its only owner
  if (isShared(data.buffer)) ownedViews.delete(data);
  else owned.delete(data.buffer);
  const sourced = !!source?.owns(data);
  // a plain array of a dtype the source serves, where requests go to the source: nobody asks for it again unless
  // the source has been full (then acquireBuffer serves them, its step 3); kept, such arrays would pile up (a
  // server's input images)
  if (!sourced && fromSource() && source!.serves(dtypeName(data)) && !sourceFull) {
    stats.dropped++;
    return;
  }
  // the limit bounds plain arrays only: a heap view costs no memory beyond the heap's own (bounded by the source),
  // and a dropped one would come back to the heap only through the garbage collector after an event-loop turn
  if (!sourced && heldPlainBytes + data.byteLength > limitBytes) {
    stats.dropped++;
    return;
  }
  if (poison) data.fill(data instanceof Int32Array ? -(2 ** 31) : NaN);
  const k = key(dtypeName(data), data.length, sourced);
  let list = free.get(k);
  if (!list) free.set(k, (list = []));
  list.push(data);
  heldBytes += data.byteLength;
  if (!sourced) heldPlainBytes += data.byteLength;
}

/**
 * Hand every pooled view of the source back to it (the wasm heap calls this before it grows: the heap merges the
 * freed regions and serves requests of any size from them, where the pool serves only the exact length). Without
 * it, the views an inference forward released at one image scale sat in the pool while the next scale, of other
 * sizes, took new memory: a 512² forward touched twice its live set. Only inside an inference scope: a training
 * step asks for the same sequence of sizes every step, which the pool serves exactly once the first step is over;
 * handing its views back would make every step place its buffers anew (and the heap creep up).
 */
export function returnSourcedBuffers(): void {
  if (inferenceDepth > 0) giveSourcedBack();
}

function giveSourcedBack(): void {
  if (!source?.give) return;
  for (const [k, list] of free) {
    if (!k.endsWith(':heap')) continue;
    for (const a of list) {
      heldBytes -= a.byteLength;
      source.give(a);
    }
    free.delete(k);
  }
}

/** Most bytes of plain arrays the pool keeps for reuse (default 4 GiB); lowering it drops what is over. */
export function setBufferPoolLimit(bytes: number): void {
  if (!(Number.isFinite(bytes) && bytes >= 0)) throw new RangeError(`setBufferPoolLimit: bytes must be a finite number >= 0, got ${bytes}`);
  limitBytes = bytes;
  if (heldPlainBytes > limitBytes) clearBufferPool();
}

/** Let the garbage collector have every pooled buffer. */
export function clearBufferPool(): void {
  giveSourcedBack(); // heap views go back to the heap (dropping them would leave their regions to the collector)
  free.clear();
  heldBytes = 0;
  heldPlainBytes = 0;
}

/** What the pool holds and has done since the last clear of the counters. */
/**
 * reused / missed: requests of pool size served with recycled memory (a pooled buffer, or a view of heap memory the
 * pool had given back, see returnSourcedBuffers) / with new memory.
 */
export function bufferPoolStats(): { heldBytes: number; limitBytes: number; reused: number; missed: number; released: number; dropped: number } {
  return { heldBytes, limitBytes, ...stats };
}

export function resetBufferPoolStats(): void {
  stats = { reused: 0, missed: 0, released: 0, dropped: 0 };
}
