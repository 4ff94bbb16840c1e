/**
 * Entry of a pool worker on Node (worker_threads): its data comes as workerData. The loop is loaded dynamically so
 * that a failure to load it reaches the main thread as a message (protocol.ts), not as a 30 s wait.
 */
import { workerData } from 'node:worker_threads';
import { reportStartFailure } from '../backend/parallel/protocol.js';
import type { PoolWorkerData } from '../backend/parallel/worker-loop.js';

const data = workerData as PoolWorkerData;
import('../backend/parallel/worker-loop.js')
  .then((m) => m.runPoolWorker(data))
  .catch((e: unknown) => reportStartFailure(data.ctrl, data.errors, data.slot, e));
