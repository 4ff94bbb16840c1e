/**
 * A worker pool over the shared heap (worker_threads in Node, Web Workers in a browser: src/platform/). `run(kernel, args, total, { align, threads, chunks })` cuts
 * [0, total) into `chunks` contiguous chunks (boundaries multiples of `align`), wakes the workers with
 * Atomics.notify on a shared control block, and every participating thread, the main thread included, takes
 * the next chunk from a shared counter (Atomics.add) until none is left; the main thread then closes the task
 * to late workers (CTRL.JOIN) and waits with Atomics.wait until the workers that joined are done. Nothing is posted per task: a task is a kernel id, up to MAX_ARGS
 * numbers and a range, written into shared memory. Taking chunks dynamically keeps every core busy even when
 * one thread is slowed down (other processes on the machine).
 *
 * Determinism: chunk boundaries depend only on (total, chunks, align), chunks are disjoint output ranges, and
 * each output is computed by the same code whatever the chunk, so results do not depend on which thread ran
 * what (see the kernels' own notes).
 * The API is synchronous: workers start in the background and the first `run` waits until they are ready.
 */
import { SharedHeap } from './heap.js';
import { CTRL, ERROR_LINE, JOIN_CLOSED, joinTag } from './protocol.js';

export { CTRL, JOIN_CLOSED, JOIN_SLOT, joinTag, writeWorkerError } from './protocol.js';
import { ThreadContext } from './thread-context.js';
import { platform, type PoolWorkerHandle } from '../../platform/index.js';
import type { PoolWorkerData } from './worker-loop.js';

const CTRL_SLOTS = 16;
export const MAX_ARGS = 64;

/** Read and clear a worker's error line ('' when it has none). */
function takeWorkerError(errors: SharedArrayBuffer, slot: number): string {
  const len = new Int32Array(errors, slot * ERROR_LINE, 1);
  if (len[0] === 0) return '';
  // TextDecoder refuses views of shared memory in browsers: copy out first
  const text = new TextDecoder().decode(new Uint8Array(errors, slot * ERROR_LINE + 4, len[0]).slice());
  len[0] = 0;
  return text;
}

/** Chunk p of [0, total) cut into `parts` chunks whose boundaries are multiples of `align`. */
export function partRange(total: number, parts: number, align: number, p: number): [number, number] {
  const chunk = Math.ceil(Math.ceil(total / align) / parts) * align;
  return [Math.min(total, p * chunk), Math.min(total, (p + 1) * chunk)];
}

export interface RunOptions {
  /** chunk boundaries are multiples of this (e.g. a micro-tile) */
  align?: number;
  /** use at most this many threads (default: the pool size) */
  threads?: number;
  /** cut the range into this many chunks (default: one per thread); more chunks balance uneven progress */
  chunks?: number;
}

/**
 * A kernel the pool can run, by name. It receives only numbers: `args` (byte addresses into the shared heap, sizes,
 * flags) and its part [lo, hi) of the work range, whose outputs must not overlap any other part's. The pool is
 * handed its list (runtime.ts passes pooled-kernels.ts's); a worker runs the same list (worker-loop.ts imports it).
 */
export interface PoolKernel {
  readonly name: string;
  run(ctx: ThreadContext, args: Float64Array, lo: number, hi: number): void;
}

/** Take chunks from the shared counter and run them until none is left (main thread and workers alike). */
export function runChunks(c: Int32Array, kernel: PoolKernel, ctx: ThreadContext, args: Float64Array): void {
  const chunks = c[CTRL.CHUNKS], total = c[CTRL.TOTAL], align = c[CTRL.ALIGN];
  for (let chunk = Atomics.add(c, CTRL.NEXT, 1); chunk < chunks; chunk = Atomics.add(c, CTRL.NEXT, 1)) {
    const [lo, hi] = partRange(total, chunks, align, chunk);
    if (hi > lo) kernel.run(ctx, args, lo, hi);
  }
}

export class WorkerPool {
  /** Threads that take part in a task: the main thread plus `size - 1` workers. */
  readonly size: number;
  readonly main: ThreadContext;
  private readonly ctrl: Int32Array;
  private readonly args: Float64Array;
  private readonly errors: SharedArrayBuffer | null = null;
  private readonly workers: PoolWorkerHandle[] = [];
  /** The first start failure of a worker, reported by the next run instead of a timeout. */
  private startError: Error | null = null;
  private ready = false;
  private readonly ids: Map<string, number>;

  /** `kernels` must be the list the workers run (pooled-kernels.ts): a task names its kernel by index in it. */
  constructor(
    readonly heap: SharedHeap,
    size: number,
    private readonly kernels: readonly PoolKernel[],
  ) {
    this.ids = new Map(kernels.map((k, i) => [k.name, i]));
    if (!Number.isInteger(size) || size < 1) throw new Error(`pool: size must be a positive integer, got ${size}`);
    if (size > heap.slots) throw new Error(`pool: size ${size} exceeds the heap's ${heap.slots} scratch slots`);
    this.size = size;
    this.main = new ThreadContext(heap, 0);
    // one thread needs no shared memory (a page that is not cross-origin isolated has none)
    const Buffer = size > 1 ? SharedArrayBuffer : ArrayBuffer;
    this.ctrl = new Int32Array(new Buffer(CTRL_SLOTS * 4));
    this.args = new Float64Array(new Buffer(MAX_ARGS * 8));
    if (size === 1) return;
    const no = platform().poolWorkerUnavailable();
    if (no) throw new Error(`pool: cannot start ${size - 1} workers: ${no.why}`);
    this.errors = new SharedArrayBuffer(size * ERROR_LINE);
    for (let slot = 1; slot < size; slot++) {
      const data: PoolWorkerData = {
        memory: heap.memory, ctrl: this.ctrl.buffer as SharedArrayBuffer, args: this.args.buffer as SharedArrayBuffer,
        errors: this.errors, slot, slots: heap.slots, slotBytes: heap.slotBytes, gemmShape: this.main.gemmShape,
      };
      this.workers.push(platform().startPoolWorker(data, (e) => (this.startError ??= e)));
    }
  }

  /**
   * Run `kernel` over [0, total) on at most `threads` threads (default: all), in `chunks` chunks (default: one
   * per thread) aligned to `align`. Runs inline on the main thread when only one thread or chunk is used.
   */
  run(kernel: string, args: ArrayLike<number>, total: number, opts: RunOptions = {}): void {
    const id = this.ids.get(kernel);
    if (id === undefined) throw new Error(`pool: no kernel named '${kernel}' (have ${this.kernels.map((k) => k.name).join(', ')})`);
    if (args.length > MAX_ARGS) throw new Error(`pool: ${kernel} passes ${args.length} args, the limit is ${MAX_ARGS}`);
    const align = opts.align ?? 1;
    const pieces = Math.ceil(total / align);
    const threads = Math.max(1, Math.min(opts.threads ?? this.size, this.size, pieces));
    const chunks = Math.max(threads, Math.min(opts.chunks ?? threads, pieces));
    this.args.set(args);
    if (threads === 1) {
      this.kernels[id].run(this.main, this.args, 0, total);
      return;
    }
    this.waitReady();
    const c = this.ctrl;
    c[CTRL.KERNEL] = id;
    c[CTRL.THREADS] = threads;
    c[CTRL.CHUNKS] = chunks;
    c[CTRL.TOTAL] = total;
    c[CTRL.ALIGN] = align;
    Atomics.store(c, CTRL.NEXT, 0);
    Atomics.store(c, CTRL.DONE, 0);
    const gen = Atomics.load(c, CTRL.GEN) + 1;
    Atomics.store(c, CTRL.JOIN, joinTag(gen));
    Atomics.store(c, CTRL.GEN, gen);
    Atomics.notify(c, CTRL.GEN);
    let mainError: unknown = null;
    try {
      runChunks(c, this.kernels[id], this.main, this.args);
    } catch (e) {
      mainError = e;
      Atomics.store(c, CTRL.NEXT, chunks); // let the workers stop early
    }
    const joined = Atomics.exchange(c, CTRL.JOIN, JOIN_CLOSED) - joinTag(gen);
    for (let v = Atomics.load(c, CTRL.DONE); v !== joined; v = Atomics.load(c, CTRL.DONE)) Atomics.wait(c, CTRL.DONE, v);
    if (mainError) throw mainError;
    if (Atomics.exchange(c, CTRL.ERROR, 0) !== 0) {
      const messages = this.workers.map((_, i) => takeWorkerError(this.errors!, i + 1)).filter((m) => m !== '');
      throw new Error(`pool: kernel ${kernel} failed in a worker: ${messages.join('; ')}`);
    }
  }

  /**
   * Resolve once every worker is up, letting this thread's event loop turn meanwhile (a browser starts a worker
   * only then); reject with the reason when one could not start, or after 30 s.
   */
  async started(): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (!this.startError && Atomics.load(this.ctrl, CTRL.READY) < this.workers.length) {
      if (Date.now() > deadline) throw new Error(`pool: only ${Atomics.load(this.ctrl, CTRL.READY)} of ${this.workers.length} workers started within 30 s`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    this.waitReady();
  }

  /** Stop the workers (they exit their wait loop). */
  async close(): Promise<void> {
    Atomics.store(this.ctrl, CTRL.STOP, 1);
    Atomics.add(this.ctrl, CTRL.GEN, 1);
    Atomics.notify(this.ctrl, CTRL.GEN);
    await Promise.all(this.workers.map((w) => w.exited()));
  }

  /**
   * Before the first task, wait until every worker is up (or report why one could not start). Where workers cannot
   * come up while this thread blocks (a browser), do not wait: tasks run on whichever threads have joined.
   */
  private waitReady(): void {
    if (this.ready) return;
    const c = this.ctrl, want = this.workers.length;
    if (platform().workersStartWhileBlocked()) {
      const deadline = Date.now() + 30_000;
      for (let v = Atomics.load(c, CTRL.READY); v < want && !this.startError; v = Atomics.load(c, CTRL.READY)) {
        if (Date.now() > deadline) throw new Error(`pool: only ${v} of ${want} workers started within 30 s`);
        Atomics.wait(c, CTRL.READY, v, 100);
      }
    }
    if (Atomics.load(c, CTRL.FAILED) > 0 && !this.startError) {
      const messages = this.workers.map((_, i) => takeWorkerError(this.errors!, i + 1)).filter((m) => m !== '');
      this.startError = new Error(messages.join('; '));
    }
    if (this.startError) throw new Error(`pool: a worker could not start: ${this.startError.message}`, { cause: this.startError });
    this.ready = Atomics.load(c, CTRL.READY) === want;
  }
}
