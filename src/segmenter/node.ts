/**
 * createSegmenter for Node: the model runs in a worker_threads worker, so a server's event loop stays free while
 * an image is segmented (seconds for a large one). A worker that cannot start rejects with the reason it gave.
 */
import { Worker } from 'node:worker_threads';
import { segmenterClient, type Segmenter, type SegmenterOptions } from './protocol.js';
import { workerScript, workerStartError } from '../node/workers.js';
import { startNodeWorker } from '../platform/worker-flags.js';

export type { Segmenter, SegmenterOptions, SegmenterInfo, ImageBytes } from './protocol.js';

/** Load the checkpoint in a new worker and resolve once it is ready to segment. */
export function createSegmenter(o: SegmenterOptions): Promise<Segmenter> {
  const script = workerScript(new URL('./node-worker.js', import.meta.url), 'segmenter/node-worker.js');
  const worker = startNodeWorker(Worker, script, {}, process.execArgv);
  let started = false;
  worker.once('online', () => (started = true));
  return segmenterClient(
    o,
    {
      send: (req, transfer) => worker.postMessage(req, transfer),
      stop: async () => void (await worker.terminate()),
    },
    (onReply, onFailure) => {
      worker.on('message', onReply);
      worker.on('error', (e) => onFailure(started ? e : workerStartError('segmenter', e)));
      worker.on('exit', (code) => onFailure(new Error(`segmenter: the worker exited (code ${code})`)));
    },
  );
}
