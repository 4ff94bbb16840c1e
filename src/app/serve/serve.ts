/**
 * `amsunet serve` as a library function: the HTTP server (server.ts) runs in a worker thread and the model on this
 * (the main) thread, where the engine's kernels and its thread pool run. The server's event loop is never blocked
 * by a prediction, so it reads and queues requests, answers 503 beyond the queue bound, 400 for bad uploads and
 * /health while a prediction runs. Predictions run one at a time, in arrival order.
 */
import { Worker } from 'node:worker_threads';
import { segmentImage } from '../segment.js';
import type { LoadedModel } from '../model-from-weights.js';
import type { ServeOptions } from './server.js';
import type { FromHttp, HttpThreadData, Stats, ToHttp } from './messages.js';
import { workerExecArgv, workerScript, workerStartError } from '../../node/workers.js';

export interface RunningServer {
  url: string;
  port: number;
  /** Stop accepting, answer every admitted request, stop the server thread; resolves with the counts. */
  close(): Promise<Stats>;
  /** Settles if the server thread fails after the start (rejects with its error). */
  failed: Promise<never>;
}

/** Why the server could not listen, as an error with the errno code (EADDRINUSE, ...). */
export class ListenError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'ListenError';
  }
}

export function serve(loaded: LoadedModel, options: ServeOptions = {}): Promise<RunningServer> {
  const { onError, ...rest } = options;
  const data: HttpThreadData = { options: rest, config: loaded.config, hasNormalisation: loaded.hasNormalisation };
  const script = workerScript(new URL('./http-thread.js', import.meta.url), 'app/serve/http-thread.js');
  const worker = new Worker(script, { workerData: data, execArgv: workerExecArgv() });
  const send = (m: ToHttp) => worker.postMessage(m);
  let started = false;
  let onStopped: ((s: Stats) => void) | null = null;
  let fail: (e: Error) => void = () => {};
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => {});

  return new Promise<RunningServer>((resolve, reject) => {
    worker.on('message', (m: FromHttp) => {
      switch (m.type) {
        case 'segment':
          // Synchronous: the next message is handled after this prediction (the server sends one at a time anyway).
          try {
            send({ type: 'result', id: m.id, result: segmentImage(loaded, m.image, { name: 'upload' }) });
          } catch (e) {
            const err = e instanceof Error ? e : new Error(String(e));
            send({ type: 'error', id: m.id, error: { name: err.name, message: err.message } });
          }
          break;
        case 'listening':
          started = true;
          resolve({
            url: m.url,
            port: m.port,
            failed,
            close: () =>
              new Promise<Stats>((done) => {
                onStopped = done;
                send({ type: 'drain' });
              }),
          });
          break;
        case 'failed':
          reject(new ListenError(m.error.message, m.error.code));
          void worker.terminate();
          break;
        case 'stopped':
          void worker.terminate().then(() => onStopped?.(m.stats));
          break;
        case 'internal':
          onError?.(new Error(m.message));
          break;
      }
    });
    worker.on('error', (e) => (started ? fail(e) : reject(workerStartError('serve', e))));
    worker.on('exit', (code) => {
      if (!onStopped) (started ? fail : reject)(new Error(`serve: the server thread exited (code ${code})`));
    });
  });
}
