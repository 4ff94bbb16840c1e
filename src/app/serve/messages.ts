/**
 * Messages between the model (main thread) and the HTTP server (worker thread) of `amsunet serve`.
 *
 *   main → http    workerData: { options, config, hasNormalisation }
 *                  { type: 'result', id, result } | { type: 'error', id, error: { name, message } } | { type: 'drain' }
 *   http → main    { type: 'listening', url, port } | { type: 'segment', id, image } | { type: 'stopped', stats }
 *                  | { type: 'failed', error }  (the server could not start: e.g. the port is taken)
 */
import type { ModelConfig } from '../model-config.js';
import type { DecodedImage, Segmentation } from '../segment.js';
import type { ServeOptions, PredictionServer } from './server.js';

export interface HttpThreadData {
  options: Omit<ServeOptions, 'onError'>;
  config: ModelConfig;
  hasNormalisation: boolean;
}

export type ToHttp =
  | { type: 'result'; id: number; result: Segmentation }
  | { type: 'error'; id: number; error: { name: string; message: string } }
  | { type: 'drain' };

export type Stats = ReturnType<PredictionServer['stats']>;

export type FromHttp =
  | { type: 'listening'; url: string; port: number }
  | { type: 'segment'; id: number; image: DecodedImage }
  | { type: 'stopped'; stats: Stats }
  | { type: 'failed'; error: { name: string; message: string; code?: string } }
  | { type: 'internal'; message: string };
