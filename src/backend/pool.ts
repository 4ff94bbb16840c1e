/**
 * A worker_threads pool over the shared heap. `run(kernel, args, total)` splits [0, total) into one contiguous
 * part per thread (the main thread takes part 0 and works too), wakes the workers with Atomics.notify on a
 * shared control block, and waits with Atomics.wait until every part is done. Nothing is posted per task:
 * a task is a kernel id, up to MAX_ARGS numbers and a range, written into shared memory.
 *
 * Determinism: parts are disjoint output ranges and each output is computed by the same code whatever the
 * split, so results depend on nothing but the inputs (see the kernels' own notes).
 * The API is synchronous: workers start in the background and the first `run` waits until they are ready.
 */
import { Worker, MessageChannel, type MessagePort, receiveMessageOnPort } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SharedHeap } from './heap.js';
import { ThreadContext } from './thread-context.js';
import { kernelId, poolKernels } from './kernels.js';

/** Control block slots (Int32Array indices). */
export const CTRL = { GEN: 0, PENDING: 1, KERNEL: 2, PARTS: 3, TOTAL: 4, ALIGN: 5, STOP: 6, READY: 7, ERROR: 8 } as const;
const CTRL_SLOTS = 16;
export const MAX_ARGS = 64;

/** Part p of [0, total) split into `parts` chunks whose boundaries are multiples of `align`. */
export function partRange(total: number, parts: number, align: number, p: number): [number, number] {
  const chunk = Math.ceil(Math.ceil(total / align) / parts) * align;
  return [Math.min(total, p * chunk), Math.min(total, (p + 1) * chunk)];
}

/** The worker entry next to this file; when running from TypeScript sources (tests), the compiled one in dist/. */
export function findWorkerScript(): URL | null {
  const here = new URL('./worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  const built = new URL(here.href.replace(/\/src\/backend\/worker\.js$/, '/dist/src/backend/worker.js'));
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
    if (size > 1 && !url) throw new Error('pool: no compiled worker script (src/backend/worker.js); run `npm run build`');
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

  /** Run `kernel` over [0, total) in parts of `align`-multiples, using at most `parts` threads (default: all). */
  run(kernel: string, args: ArrayLike<number>, total: number, align = 1, parts = this.size): void {
    const id = kernelId(kernel);
    if (args.length > MAX_ARGS) throw new Error(`pool: ${kernel} passes ${args.length} args, the limit is ${MAX_ARGS}`);
    parts = Math.max(1, Math.min(parts, this.size, Math.ceil(total / align)));
    if (parts === 1) {
      this.args.set(args);
      poolKernels[id].run(this.main, this.args, 0, total);
      return;
    }
    this.waitReady();
    const c = this.ctrl;
    this.args.set(args);
    c[CTRL.KERNEL] = id;
    c[CTRL.PARTS] = parts;
    c[CTRL.TOTAL] = total;
    c[CTRL.ALIGN] = align;
    Atomics.store(c, CTRL.PENDING, this.workers.length);
    Atomics.add(c, CTRL.GEN, 1);
    Atomics.notify(c, CTRL.GEN);
    let mainError: unknown = null;
    try {
      const [lo, hi] = partRange(total, parts, align, 0);
      poolKernels[id].run(this.main, this.args, lo, hi);
    } catch (e) {
      mainError = e;
    }
    for (let v = Atomics.load(c, CTRL.PENDING); v !== 0; v = Atomics.load(c, CTRL.PENDING)) Atomics.wait(c, CTRL.PENDING, v);
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
