/**
 * createSegmenter for a web page: the model runs in a Web Worker (module worker), so the page stays responsive
 * while an image is segmented. The worker script is web-worker.js next to this file; a bundled page passes its
 * own `workerUrl`. A worker that cannot start rejects with the browser's reason.
 */
import { segmenterClient, type Segmenter, type SegmenterOptions } from './protocol.js';

export type { Segmenter, SegmenterOptions, SegmenterInfo, ImageBytes } from './protocol.js';

/** The part of the DOM's Worker used here (the core compiles without the DOM library). */
export interface WebWorkerLike {
  postMessage(message: unknown, transfer?: ArrayBuffer[]): void;
  addEventListener(type: 'message' | 'error' | 'messageerror', listener: (e: { data?: unknown; message?: string }) => void): void;
  terminate(): void;
}

type WorkerConstructor = new (url: URL | string, options?: { type?: 'module' | 'classic'; name?: string }) => WebWorkerLike;

/** Load the checkpoint in a new Web Worker and resolve once it is ready to segment. */
export function createSegmenter(o: SegmenterOptions & { workerUrl?: URL | string }): Promise<Segmenter> {
  const WorkerClass = (globalThis as { Worker?: WorkerConstructor }).Worker;
  if (!WorkerClass) return Promise.reject(new Error('segmenter: this environment has no Web Workers'));
  const { workerUrl, ...options } = o;
  const worker = new WorkerClass(workerUrl ?? new URL('./web-worker.js', import.meta.url), { type: 'module', name: 'amsunet-segmenter' });
  return segmenterClient(
    options,
    {
      send: (req, transfer) => worker.postMessage(req, transfer),
      stop: async () => worker.terminate(),
    },
    (onReply, onFailure) => {
      worker.addEventListener('message', (e) => onReply(e.data as Parameters<typeof onReply>[0]));
      worker.addEventListener('error', (e) => onFailure(new Error(`segmenter: the worker failed: ${e.message ?? 'it could not load its script (see the browser console)'}`)));
      worker.addEventListener('messageerror', () => onFailure(new Error('segmenter: a message from the worker could not be read')));
    },
  );
}
