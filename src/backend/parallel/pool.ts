/**
 * A worker_threads pool over the shared heap. `run(kernel, args, total, { align, threads, chunks })` cuts
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
import { Worker, MessageChannel, type MessagePort, receiveMessageOnPort } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SharedHeap } from './heap.js';
import { ThreadContext } from './thread-context.js';
import { type PoolKernel, kernelId, poolKernels } from '../pooled-kernels.js';

/** Control block slots (Int32Array indices). */
export const CTRL = {
  GEN: 0, DONE: 1, KERNEL: 2, THREADS: 3, TOTAL: 4, ALIGN: 5, STOP: 6, READY: 7, ERROR: 8, CHUNKS: 9, NEXT: 10, JOIN: 11,
} as const;
/**
 * JOIN is `tag(gen) · JOIN_SLOT + workers joined` while task `gen` is open, JOIN_CLOSED once the main thread has
 * run out of chunks: a worker that wakes too late finds it closed (or tagged with another task) and skips the
 * task, so the main thread waits only for the workers that actually joined, never for one still waking up.
 */
export const JOIN_SLOT = 256;
export const JOIN_CLOSED = -1;
export const joinTag = (gen: number): number => (gen & 0x7fffff) * JOIN_SLOT;
const CTRL_SLOTS = 16;
export const MAX_ARGS = 64;

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

/** Take chunks from the shared counter and run them until none is left (main thread and workers alike). */
export function runChunks(c: Int32Array, kernel: PoolKernel, ctx: ThreadContext, args: Float64Array): void {
  const chunks = c[CTRL.CHUNKS], total = c[CTRL.TOTAL], align = c[CTRL.ALIGN];
  for (let chunk = Atomics.add(c, CTRL.NEXT, 1); chunk < chunks; chunk = Atomics.add(c, CTRL.NEXT, 1)) {
    const [lo, hi] = partRange(total, chunks, align, chunk);
    if (hi > lo) kernel.run(ctx, args, lo, hi);
  }
}

/** The worker entry next to this file; when running from TypeScript sources (tests), the compiled one in dist/. */
export function findWorkerScript(): URL | null {
  const here = new URL('./worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  const built = new URL(here.href.replace(/\/src\/backend\/parallel\/worker\.js$/, '/dist/src/backend/parallel/worker.js'));
  return existsSync(fileURLToPath(built)) ? built : null;
}

export class WorkerPool {
  /** Threads that take part in a task: the main thread plus `size - 1` workers. */
  readonly size: number;
  readonly main: ThreadContext;
  private readonly ctrl: Int32Array;
  private readonly args: Float64Array;
  private readonly workers: Worker[] = [];
  private readonly errorPorts: MessagePort[] = [];
  private ready = false;

  constructor(
    readonly heap: SharedHeap,
    size: number,
  ) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`pool: size must be a positive integer, got ${size}`);
    if (size > heap.slots) throw new Error(`pool: size ${size} exceeds the heap's ${heap.slots} scratch slots`);
    this.size = size;
    this.main = new ThreadContext(heap, 0);
    this.ctrl = new Int32Array(new SharedArrayBuffer(CTRL_SLOTS * 4));
    this.args = new Float64Array(new SharedArrayBuffer(MAX_ARGS * 8));
    const url = size > 1 ? findWorkerScript() : null;
    if (size > 1 && !url) throw new Error('pool: no compiled worker script (src/backend/parallel/worker.js); run `npm run build`');
    for (let slot = 1; slot < size; slot++) {
      const { port1, port2 } = new MessageChannel();
      const w = new Worker(url!, {
        workerData: {
          memory: heap.memory, ctrl: this.ctrl.buffer, args: this.args.buffer, slot,
          slots: heap.slots, slotBytes: heap.slotBytes, gemmShape: this.main.gemmShape, errorPort: port2,
        },
        transferList: [port2],
      });
      w.unref();
      port1.unref();
      this.workers.push(w);
      this.errorPorts.push(port1);
    }
  }

  /**
   * Run `kernel` over [0, total) on at most `threads` threads (default: all), in `chunks` chunks (default: one
   * per thread) aligned to `align`. Runs inline on the main thread when only one thread or chunk is used.
   */
  run(kernel: string, args: ArrayLike<number>, total: number, opts: RunOptions = {}): void {
    const id = kernelId(kernel);
    if (args.length > MAX_ARGS) throw new Error(`pool: ${kernel} passes ${args.length} args, the limit is ${MAX_ARGS}`);
    const align = opts.align ?? 1;
    const pieces = Math.ceil(total / align);
    const threads = Math.max(1, Math.min(opts.threads ?? this.size, this.size, pieces));
    const chunks = Math.max(threads, Math.min(opts.chunks ?? threads, pieces));
    this.args.set(args);
    if (threads === 1) {
      poolKernels[id].run(this.main, this.args, 0, total);
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
      runChunks(c, poolKernels[id], this.main, this.args);
    } catch (e) {
      mainError = e;
      Atomics.store(c, CTRL.NEXT, chunks); // let the workers stop early
    }
    const joined = Atomics.exchange(c, CTRL.JOIN, JOIN_CLOSED) - joinTag(gen);
    for (let v = Atomics.load(c, CTRL.DONE); v !== joined; v = Atomics.load(c, CTRL.DONE)) Atomics.wait(c, CTRL.DONE, v);
    if (mainError) throw mainError;
    if (Atomics.exchange(c, CTRL.ERROR, 0) !== 0) {
      const messages = this.errorPorts.map((p) => receiveMessageOnPort(p)?.message).filter((m) => m !== undefined);
      throw new Error(`pool: kernel ${kernel} failed in a worker: ${messages.join('; ')}`);
    }
  }

  /** Stop the workers (they exit their wait loop). */
  async close(): Promise<void> {
    Atomics.store(this.ctrl, CTRL.STOP, 1);
    Atomics.add(this.ctrl, CTRL.GEN, 1);
    Atomics.notify(this.ctrl, CTRL.GEN);
    await Promise.all(this.workers.map((w) => new Promise((resolve) => (w.ref(), w.once('exit', resolve)))));
  }

  private waitReady(): void {
    if (this.ready) return;
    const c = this.ctrl, want = this.workers.length, deadline = Date.now() + 30_000;
    for (let v = Atomics.load(c, CTRL.READY); v < want; v = Atomics.load(c, CTRL.READY)) {
      if (Date.now() > deadline) throw new Error(`pool: only ${v} of ${want} workers started within 30 s`);
      Atomics.wait(c, CTRL.READY, v, 100);
    }
    this.ready = true;
  }
}
