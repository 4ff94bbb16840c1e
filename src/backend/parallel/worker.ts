/**
 * A pool worker: maps the shared heap, then loops forever: wait for the task generation to change, take and run
 * chunks of the range until none is left, count itself done; a task already closed when the worker wakes is
 * skipped. See pool.ts for the protocol.
 */
import { workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { SharedHeap } from './heap.js';
import { ThreadContext } from './thread-context.js';
import { poolKernels } from '../pooled-kernels.js';
import { CTRL, JOIN_SLOT, joinTag, runChunks } from './pool.js';
import type { WasmMemory } from '../wasm/api.js';
import type { GemmKernelShape } from '../wasm/modules/gemm-module.js';

const data = workerData as {
  memory: WasmMemory; ctrl: SharedArrayBuffer; args: SharedArrayBuffer; slot: number; slots: number; slotBytes: number;
  gemmShape: GemmKernelShape; errorPort: MessagePort;
};
const heap = new SharedHeap({ memory: data.memory, slots: data.slots, slotBytes: data.slotBytes });
const ctx = new ThreadContext(heap, data.slot, data.gemmShape);
const ctrl = new Int32Array(data.ctrl);
const args = new Float64Array(data.args);

let gen = Atomics.load(ctrl, CTRL.GEN);
Atomics.add(ctrl, CTRL.READY, 1);
Atomics.notify(ctrl, CTRL.READY);
for (;;) {
  Atomics.wait(ctrl, CTRL.GEN, gen);
  gen = Atomics.load(ctrl, CTRL.GEN);
  if (Atomics.load(ctrl, CTRL.STOP) !== 0) break;
  if (data.slot < ctrl[CTRL.THREADS] && join(gen)) {
    try {
      heap.ensure(0); // pick up growth of the memory made by the main thread
      runChunks(ctrl, poolKernels[ctrl[CTRL.KERNEL]], ctx, args);
    } catch (e) {
      data.errorPort.postMessage(`worker ${data.slot}: ${e instanceof Error ? e.message : String(e)}`);
      Atomics.store(ctrl, CTRL.ERROR, 1);
      Atomics.store(ctrl, CTRL.NEXT, ctrl[CTRL.CHUNKS]);
    }
    Atomics.add(ctrl, CTRL.DONE, 1);
    Atomics.notify(ctrl, CTRL.DONE);
  }
}
data.errorPort.close();

/** Count this worker in task `gen` unless the main thread has closed it (or moved on to another task). */
function join(gen: number): boolean {
  const tag = joinTag(gen);
  for (let v = Atomics.load(ctrl, CTRL.JOIN); v >= tag && v < tag + JOIN_SLOT; v = Atomics.load(ctrl, CTRL.JOIN)) {
    if (Atomics.compareExchange(ctrl, CTRL.JOIN, v, v + 1) === v) return true;
  }
  return false;
}
