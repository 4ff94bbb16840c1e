/**
 * The HTTP side of `amsunet serve` (node:http); the model runs elsewhere, behind `InferenceBackend` (serve.ts runs
 * this in a worker thread and the model on the main thread, so this event loop stays free while a prediction runs).
 *
 *   POST /predict   image body → mask PNG (?overlay=1 overlay PNG, ?format=json class fractions and timing)
 *   GET  /health    {status, queue, served, rss, ...}: rss is process.memoryUsage().rss
 *   GET  /info      the model, its normalisation, the engine and the server's limits
 *
 * Predictions run one at a time in arrival order (queue.ts); more than `maxQueue` requests held at once get 503,
 * a body over `maxBody` bytes 413, a bad image 400, an unknown path 404, a wrong method 405, each with
 * {"error": one line}. An unexpected failure of one request is a 500 for that request; the server keeps serving.
 * close() stops accepting, answers everything already admitted, then resolves (SIGTERM in the CLI).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ModelConfig } from '../model-config.js';
import type { DecodedImage, Segmentation } from '../segment.js';
import { JobQueue } from './queue.js';
import { HttpError, readBody, sendError, sendJson, sendPng } from './http-io.js';
import { asBadRequest, decodeUpload, parsePredictQuery, predictReply } from './predict-route.js';

/** Where predictions run: one at a time (the server never calls segment again before the last call settled). */
export interface InferenceBackend {
  config: ModelConfig;
  hasNormalisation: boolean;
  segment(image: DecodedImage): Promise<Segmentation>;
}

export interface ServeOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Requests held at once (read, waiting or running) before 503. */
  maxQueue?: number;
  /** Largest request body in bytes (413 beyond). */
  maxBody?: number;
  /** Largest image, width x height (400 beyond). */
  maxPixels?: number;
  /** Shown by /info. */
  info?: Record<string, unknown>;
  /** Called with each unexpected error (a 500). */
  onError?: (e: unknown) => void;
}

export const SERVE_DEFAULTS = { host: '127.0.0.1', port: 8080, maxQueue: 64, maxBody: 32 * 1024 * 1024, maxPixels: 4096 * 4096 };

export interface PredictionServer {
  server: Server;
  /** The bound address (after listen). */
  url: string;
  port: number;
  /** Stop accepting, finish every admitted request, close the connections. */
  close(): Promise<void>;
  stats(): { served: number; failed: number; rejected: number; queue: number };
}

export async function startServer(loaded: InferenceBackend, o: ServeOptions = {}): Promise<PredictionServer> {
  const host = o.host ?? SERVE_DEFAULTS.host;
  const maxBody = o.maxBody ?? SERVE_DEFAULTS.maxBody;
  const maxPixels = o.maxPixels ?? SERVE_DEFAULTS.maxPixels;
  const queue = new JobQueue(o.maxQueue ?? SERVE_DEFAULTS.maxQueue);
  const t0 = Date.now();
  let draining = false;
  const counts = { served: 0, failed: 0, rejected: 0 };

  const health = () => {
    const m = process.memoryUsage();
    return {
      status: draining ? 'draining' : 'ok', queue: { held: queue.size, max: queue.max, running: queue.busy }, ...counts,
      rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, uptime: (Date.now() - t0) / 1000,
    };
  };
  const info = () => {
    const { config, hasNormalisation } = loaded;
    return { ...o.info, model: config, hasNormalisation, limits: { maxQueue: queue.max, maxBody, maxPixels } };
  };

  async function predict(req: IncomingMessage, res: ServerResponse, params: URLSearchParams): Promise<void> {
    const received = performance.now();
    const output = parsePredictQuery(params);
    if (draining) throw new HttpError(503, 'server is shutting down', { connection: 'close' });
    if (!queue.reserve()) throw new HttpError(503, `queue full: ${queue.max} requests are waiting (--max-queue); retry later`, { connection: 'close', 'retry-after': '1' });
    let body: Uint8Array;
    try {
      body = await readBody(req, maxBody);
    } catch (e) {
      queue.release();
      throw e;
    }
    // The image is decoded in its turn, so a waiting request holds only its (compressed) body.
    const reply = await queue.run(async () => {
      const started = performance.now();
      const img = decodeUpload(body, maxPixels);
      let seg: Segmentation;
      try {
        seg = await loaded.segment(img);
      } catch (e) {
        throw asBadRequest(e);
      }
      return predictReply(img, seg, output, { received, started });
    });
    if (reply.type === 'png') sendPng(res, reply.body as Uint8Array, reply.headers);
    else sendJson(res, 200, reply.body, reply.headers);
    counts.served++;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = url.pathname;
    const allow = (method: string) => {
      if (req.method !== method) throw new HttpError(405, `${route} takes ${method}, not ${req.method}`, { allow: method });
    };
    if (route === '/predict') return allow('POST'), predict(req, res, url.searchParams);
    if (route === '/health') return allow('GET'), sendJson(res, 200, health());
    if (route === '/info') return allow('GET'), sendJson(res, 200, info());
    throw new HttpError(404, `no route ${route} (POST /predict, GET /health, GET /info)`);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      if (e instanceof HttpError) {
        if (e.status === 503) counts.rejected++;
        else counts.failed++;
        if (draining) e.headers.connection = 'close';
        sendError(res, e);
        return;
      }
      counts.failed++;
      o.onError?.(e);
      sendError(res, new HttpError(500, `internal error: ${(e as Error)?.message ?? String(e)}`));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? SERVE_DEFAULTS.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  let closing: Promise<void> | null = null;
  return {
    server,
    url: `http://${shownHost}:${addr.port}`,
    port: addr.port,
    stats: () => ({ ...counts, queue: queue.size }),
    close() {
      closing ??= (async () => {
        draining = true;
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await queue.idle();
        // Every admitted request has been answered; connections kept alive by clients are closed now.
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 2000).unref();
        await closed;
      })();
      return closing;
    },
  };
}
