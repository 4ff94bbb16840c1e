/**
 * A Node service that segments uploaded images off the event loop: createSegmenter loads the checkpoint in a
 * worker thread; each request's bytes go there and the mask comes back. A timer keeps ticking during the work
 * (the event loop stays free). Self-contained: it makes a small checkpoint and a test image first; a real service
 * reads its checkpoint file with readFileSync instead.
 *
 *   npm run build && node dist/examples/node-service.js
 */
import { createServer } from 'node:http';
import { createSegmenter, setThreads, buildModel, configMetadata, stateDictBytes, encodePng, syntheticSample, type ModelConfig } from '../src/node.js';

// A checkpoint with its config (what `amsunet train` writes; here untrained, baseC 8, gray input).
const config: ModelConfig = { model: 'amsunet', inChannels: 1, numClasses: 2, baseC: 8, size: 64, mean: [0.5], std: [0.25], maskMode: 'binary' };
const checkpoint = stateDictBytes(buildModel(config, 0), configMetadata(config));

setThreads(1); // this thread's engine (unused here): the worker gets its own thread budget below
const segmenter = await createSegmenter({ checkpoint, threads: 2 });
console.log(`model in a worker: ${segmenter.info.config.model} baseC ${segmenter.info.config.baseC}, ${segmenter.info.threads} threads (${segmenter.info.backend})`);

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    segmenter.segment(new Uint8Array(Buffer.concat(chunks)), { name: req.headers['x-file-name'] as string | undefined }).then(
      (s) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ width: s.width, height: s.height, foreground: s.foreground, seconds: s.seconds })),
      (e: Error) => res.writeHead(422, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: e.message })),
    );
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;

// A client: one 256x256 gray image, and one file that is not an image.
const s = syntheticSample(0, 0, 256, 1);
const png = encodePng(s.image.map((v) => Math.round(v * 255)), 256, 256, 1);
let ticks = 0;
const timer = setInterval(() => ticks++, 10);
const t0 = performance.now();
const ok = (await (await fetch(url, { method: 'POST', body: png, headers: { 'x-file-name': 'scan.png' } })).json()) as { width: number; height: number; foreground: number };
const wall = performance.now() - t0;
clearInterval(timer);
console.log(`segmented scan.png: ${ok.width}x${ok.height}, foreground ${(ok.foreground * 100).toFixed(1)} %`);
console.log(`the event loop stayed free: a 10 ms timer fired ${ticks} times during the ${wall.toFixed(0)} ms request`);
const bad = (await (await fetch(url, { method: 'POST', body: 'hello', headers: { 'x-file-name': 'notes.txt' } })).json()) as { error: string };
console.log(`bad upload: ${bad.error}`);

server.close();
await segmenter.close();
