/** The segmenter's Web Worker entry: the platform-neutral SegmenterHost on the worker's scope (see protocol.ts). */
import { SegmenterHost, type SegmenterRequest } from './protocol.js';

interface WorkerScope {
  postMessage(message: unknown, transfer: ArrayBuffer[]): void;
  addEventListener(type: 'message', listener: (e: { data: SegmenterRequest }) => void): void;
}

const scope = globalThis as unknown as WorkerScope;
const host = new SegmenterHost((reply, transfer) => scope.postMessage(reply, transfer));
scope.addEventListener('message', (e) => host.handle(e.data));
