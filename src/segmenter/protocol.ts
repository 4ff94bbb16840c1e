/**
 * The off-thread segmenter's messages and the worker's side of them, platform-neutral: node-worker.ts (a
 * worker_threads worker) and web-worker.ts (a Web Worker) only wire `SegmenterHost` to their message channel, so
 * both run the same code and give the same bits.
 *
 *   caller → worker   { type: 'init', checkpoint, threads?, backend?, fallback? }
 *                     { type: 'segment', id, image, name?, options? }
 *   worker → caller   { type: 'ready', info }           after init
 *                     { type: 'result', id, result }    the mask's buffer is transferred, not copied
 *                     { type: 'error', id, error }      id null for a failed init; error is { name, message }
 */
import { decodeImage } from '../image/index.js';
import { loadModelBytes } from '../app/model-bytes.js';
import type { LoadedModel, WeightsFallback } from '../app/model-from-weights.js';
import { segmentImage, type SegmentOptions, type Segmentation } from '../app/segment.js';
import type { ModelConfig } from '../app/model-config.js';
import { getBackend, getThreads, setBackend, setThreads, type BackendName } from '../backend/index.js';

export interface SegmenterOptions {
  /** The model's .safetensors bytes (ours, or PyTorch weights with `fallback`). */
  checkpoint: Uint8Array | ArrayBuffer;
  /** Threads of the engine inside the worker, the worker's own thread included (default 1). */
  threads?: number;
  backend?: BackendName;
  /** For weights without our metadata: tile size and normalisation (see modelFromWeights). */
  fallback?: WeightsFallback;
}

export interface SegmenterInfo {
  config: ModelConfig;
  hasNormalisation: boolean;
  threads: number;
  backend: BackendName;
}

export type ImageBytes = Uint8Array | ArrayBuffer;

export type SegmenterRequest =
  | ({ type: 'init' } & SegmenterOptions)
  | { type: 'segment'; id: number; image: ImageBytes; name?: string; options?: Omit<SegmentOptions, 'name'> };

export type SegmenterReply =
  | { type: 'ready'; info: SegmenterInfo }
  | { type: 'result'; id: number; result: Segmentation }
  | { type: 'error'; id: number | null; error: { name: string; message: string } };

/** What the caller holds: a model in a worker. */
export interface Segmenter {
  readonly info: SegmenterInfo;
  /** Decode `image` (PNG, TIFF, GIF or JPEG bytes) and segment it off the caller's thread. */
  segment(image: ImageBytes, options?: SegmentOptions): Promise<Segmentation>;
  /** Stop the worker; pending segmentations reject. */
  close(): Promise<void>;
}

const asBytes = (b: ImageBytes): Uint8Array => (b instanceof Uint8Array ? b : new Uint8Array(b));

/** The worker's side: answers one request at a time; `post` sends a reply (with buffers to transfer). */
export class SegmenterHost {
  private loaded: LoadedModel | null = null;

  constructor(private readonly post: (reply: SegmenterReply, transfer: ArrayBuffer[]) => void) {}

  handle(req: SegmenterRequest): void {
    const id = req.type === 'segment' ? req.id : null;
    try {
      if (req.type === 'init') this.init(req);
      else this.segment(req);
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      this.post({ type: 'error', id, error: { name: err.name, message: err.message } }, []);
    }
  }

  private init(o: SegmenterOptions): void {
    if (o.backend) setBackend(o.backend);
    setThreads(o.threads ?? 1);
    this.loaded = loadModelBytes(o.checkpoint, o.fallback);
    const { config, hasNormalisation } = this.loaded;
    this.post({ type: 'ready', info: { config, hasNormalisation, threads: getThreads(), backend: getBackend() } }, []);
  }

  private segment(req: Extract<SegmenterRequest, { type: 'segment' }>): void {
    if (!this.loaded) throw new Error('segmenter: no model loaded (init first)');
    const name = req.name ?? 'image';
    const result = segmentImage(this.loaded, decodeImage(asBytes(req.image), name), { ...req.options, name });
    this.post({ type: 'result', id: req.id, result }, [result.mask.buffer as ArrayBuffer]);
  }
}

/**
 * The caller's side over any worker: `send` posts a request, `onReply` is called for each reply, `stop` ends the
 * worker. Resolves once the worker has loaded the model (or rejects with its error).
 */
export function segmenterClient(
  o: SegmenterOptions,
  channel: { send(req: SegmenterRequest, transfer: ArrayBuffer[]): void; stop(): Promise<void> },
  listen: (onReply: (r: SegmenterReply) => void, onFailure: (e: Error) => void) => void,
): Promise<Segmenter> {
  const pending = new Map<number, { resolve(s: Segmentation): void; reject(e: Error): void }>();
  let nextId = 1;
  let failure: Error | null = null;
  return new Promise<Segmenter>((resolveReady, rejectReady) => {
    const fail = (e: Error) => {
      failure ??= e;
      rejectReady(e);
      for (const p of pending.values()) p.reject(e);
      pending.clear();
    };
    listen((r) => {
      if (r.type === 'ready') {
        resolveReady({
          info: r.info,
          segment(image, options = {}) {
            if (failure) return Promise.reject(failure);
            const id = nextId++;
            const { name, ...rest } = options;
            return new Promise<Segmentation>((resolve, reject) => {
              pending.set(id, { resolve, reject });
              channel.send({ type: 'segment', id, image, name, options: rest }, []);
            });
          },
          async close() {
            fail(new Error('segmenter: closed'));
            await channel.stop();
          },
        });
      } else if (r.type === 'result') {
        pending.get(r.id)?.resolve(r.result);
        pending.delete(r.id);
      } else {
        const err = Object.assign(new Error(r.error.message), { name: r.error.name });
        if (r.id === null) fail(err);
        else pending.get(r.id)?.reject(err), pending.delete(r.id);
      }
    }, fail);
    channel.send({ type: 'init', ...o }, []);
  });
}
