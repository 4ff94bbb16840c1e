/**
 * The worker thread of `amsunet serve`: the HTTP server (server.ts), whose predictions are posted to the main
 * thread, where the model is. One prediction is outstanding at a time (the queue runs one job at a time).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { startServer, type PredictionServer } from './server.js';
import type { FromHttp, HttpThreadData, ToHttp } from './messages.js';
import type { Segmentation } from '../segment.js';

const port = parentPort!;
const data = workerData as HttpThreadData;
const post = (m: FromHttp) => port.postMessage(m);
const pending = new Map<number, { resolve(s: Segmentation): void; reject(e: Error): void }>();
let nextId = 1;
let server: PredictionServer | null = null;

port.on('message', (m: ToHttp) => {
  if (m.type === 'result') {
    pending.get(m.id)?.resolve(m.result);
    pending.delete(m.id);
  } else if (m.type === 'error') {
    pending.get(m.id)?.reject(Object.assign(new Error(m.error.message), { name: m.error.name }));
    pending.delete(m.id);
  } else if (m.type === 'drain') {
    const s = server;
    if (!s) return post({ type: 'stopped', stats: { served: 0, failed: 0, rejected: 0, queue: 0 } });
    void s.close().then(() => post({ type: 'stopped', stats: s.stats() }));
  }
});

startServer(
  {
    config: data.config,
    hasNormalisation: data.hasNormalisation,
    segment: (image) =>
      new Promise<Segmentation>((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        post({ type: 'segment', id, image });
      }),
  },
  { ...data.options, onError: (e) => post({ type: 'internal', message: (e as Error)?.stack ?? String(e) }) },
).then(
  (s) => {
    server = s;
    post({ type: 'listening', url: s.url, port: s.port });
  },
  (e: NodeJS.ErrnoException) => post({ type: 'failed', error: { name: e.name, message: e.message, code: e.code } }),
);
