/** The segmenter's worker_threads entry: the platform-neutral SegmenterHost on the parent port (see protocol.ts). */
import { parentPort } from 'node:worker_threads';
import { SegmenterHost, type SegmenterRequest } from './protocol.js';

const port = parentPort!;
const host = new SegmenterHost((reply, transfer) => port.postMessage(reply, transfer));
port.on('message', (req: SegmenterRequest) => host.handle(req));
