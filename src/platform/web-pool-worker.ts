/**
 * Entry of a pool worker in a browser (a module Web Worker): its data comes as the first message. A bundler should
 * bundle this file on its own (it is the script given to setPoolWorkerUrl).
 */
import { reportStartFailure } from '../backend/parallel/protocol.js';
import { runPoolWorker, type PoolWorkerData } from '../backend/parallel/worker-loop.js';

const scope = globalThis as unknown as { onmessage: ((e: { data: PoolWorkerData }) => void) | null };
scope.onmessage = (e) => {
  scope.onmessage = null;
  try {
    runPoolWorker(e.data);
  } catch (err) {
    reportStartFailure(e.data.ctrl, e.data.errors, e.data.slot, err);
  }
};
