/**
 * A pool worker's life, the same on every platform (the entries in src/platform/ only hand it its data): map the
 * shared heap, then loop forever: wait for the task generation to change, take and run chunks of the range until
 * none is left, count itself done; a task already closed when the worker wakes is skipped. See pool.ts for the
 * protocol. A failing kernel writes its message into the worker's line of the shared error block.
 */
import { SharedHeap } from './heap.js';
import { ThreadContext } from './thread-context.js';
import { poolKernels } from '../pooled-kernels.js'; // the list the main thread handed its pool (runtime.ts)
import { CTRL, JOIN_SLOT, joinTag, runChunks, writeWorkerError } from './pool.js';
import { enterPoolWorker } from './thread-role.js';
import type { WasmMemory } from '../wasm/api.js';
import { wasmFeatures } from '../wasm/features.js';
import type { GemmKernelShape } from '../wasm/modules/gemm-module.js';

/** What the pool hands each worker (structured-cloneable; the buffers and the memory are shared). */
export interface PoolWorkerData {
  memory: WasmMemory;
  ctrl: SharedArrayBuffer;
  args: SharedArrayBuffer;
  errors: SharedArrayBuffer;
  slot: number;
  slots: number;
  slotBytes: number;
  gemmShape: GemmKernelShape;
}

export function runPoolWorker(data: PoolWorkerData): void {
  enterPoolWorker();
  const heap = new SharedHeap({ memory: data.memory, slots: data.slots, slotBytes: data.slotBytes });
  const ctx = new ThreadContext(heap, data.slot, data.gemmShape);
  const ctrl = new Int32Array(data.ctrl);
  const args = new Float64Array(data.args);

  /** Count this worker in task `gen` unless the main thread has closed it (or moved on to another task). */
  const join = (gen: number): boolean => {
    const tag = joinTag(gen);
    for (let v = Atomics.load(ctrl, CTRL.JOIN); v >= tag && v < tag + JOIN_SLOT; v = Atomics.load(ctrl, CTRL.JOIN)) {
      if (Atomics.compareExchange(ctrl, CTRL.JOIN, v, v + 1) === v) return true;
    }
    return false;
  };

  let gen = Atomics.load(ctrl, CTRL.GEN);
  Atomics.add(ctrl, CTRL.READY, 1);
  Atomics.notify(ctrl, CTRL.READY);
  // compile and instantiate the kernels before the first task, not inside it (the main thread runs the chunks
  // meanwhile: a task does not wait for a worker that has not joined)
  if (wasmFeatures().simd) ctx.warm();
  for (;;) {
    // closed, possibly before this worker came up (a pool made and closed at once: setThreads right after a model
    // was built); STOP is set before GEN moves, so a close after the read of `gen` above is seen here or wakes the wait
    if (Atomics.load(ctrl, CTRL.STOP) !== 0) break;
    Atomics.wait(ctrl, CTRL.GEN, gen);
    gen = Atomics.load(ctrl, CTRL.GEN);
    if (Atomics.load(ctrl, CTRL.STOP) !== 0) break;
    if (data.slot < ctrl[CTRL.THREADS] && join(gen)) {
      try {
        heap.ensure(0); // pick up growth of the memory made by the main thread
        runChunks(ctrl, poolKernels[ctrl[CTRL.KERNEL]], ctx, args);
      } catch (e) {
        writeWorkerError(data.errors, data.slot, `worker ${data.slot}: ${e instanceof Error ? e.message : String(e)}`);
        Atomics.store(ctrl, CTRL.ERROR, 1);
        Atomics.store(ctrl, CTRL.NEXT, ctrl[CTRL.CHUNKS]);
      }
      Atomics.add(ctrl, CTRL.DONE, 1);
      Atomics.notify(ctrl, CTRL.DONE);
    }
  }
}
