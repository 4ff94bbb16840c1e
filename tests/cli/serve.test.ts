/**
 * `amsunet serve` through the built command as a child process on a loopback port (run `npx tsc -p tsconfig.json`
 * before running this file alone): concurrent good and bad uploads, the queue bound, the body limit, SIGTERM.
 * The model is an AMSUnet baseC 8 (1 → 2 channels, tile 256) initialised here with seeded weights and non-trivial
 * BatchNorm statistics; the server runs on one thread (the machine's 2 cores are shared).
 */
import { describe, expect, test, beforeAll, afterAll } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AMSUnet } from '../../src/models/amsunet/amsunet.js';
import { Generator } from '../../src/tensor/rng.js';
import { saveStateDict } from '../../src/io/checkpoint.js';
import { configMetadata, type ModelConfig } from '../../src/app/model-config.js';
import { loadModel } from '../../src/app/load-model.js';
import { segmentImage, maskPixels, overlayPixels, classFractions } from '../../src/app/segment.js';
import { decodeImage, encodePng } from '../../src/image/index.js';
import { encodeTiff } from '../image/tiff-writer.js';
import { encodeJpeg } from '../image/jpeg-writer.js';
import { encodeGif } from '../image/gif-writer.js';
import { randomizeBatchNorm } from '../onnx/ort.js';

const MAIN = join(process.cwd(), 'dist/src/cli/main.js');
const SIDE = 256;
let base: string, ckpt: string;
const config: ModelConfig = { model: 'amsunet', inChannels: 1, numClasses: 2, baseC: 8, size: SIDE, mean: [0.45], std: [0.2], maskMode: 'binary' };

/** A gray test picture: a bright disc and a bar on a gradient, with seeded noise. */
function picture(W: number, H: number, seed = 1): Uint8Array {
  const g = new Generator(seed), px = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const disc = (x - W * 0.35) ** 2 + (y - H * 0.4) ** 2 < (W * 0.18) ** 2;
      const bar = Math.abs(x - W * 0.75) < W * 0.05;
      px[y * W + x] = Math.max(0, Math.min(255, Math.round((disc || bar ? 200 : 40) + 60 * (y / H) + 20 * g.normal())));
    }
  }
  return px;
}

interface Server {
  child: ChildProcess;
  url: string;
  out: string[];
  err: string[];
  exit: Promise<number | null>;
}

/** Start `amsunet serve` on a free loopback port; resolves once it prints where it listens. */
function startServer(...flags: string[]): Promise<Server> {
  const child = spawn(process.execPath, [MAIN, 'serve', '--checkpoint', ckpt, '--port', '0', '--threads', '1', ...flags], { cwd: base, stdio: ['ignore', 'pipe', 'pipe'] });
  const out: string[] = [], err: string[] = [];
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.stderr!.on('data', (d: Buffer) => err.push(d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${err.join('')}`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      out.push(d.toString());
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out.join(''));
      if (m && out.length === 1) clearTimeout(timer), resolve({ child, url: m[1], out, err, exit });
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${err.join('')}`)));
  });
}

const post = (url: string, body: Uint8Array | string, query = '') => fetch(`${url}/predict${query}`, { method: 'POST', body });
const health = async (s: Server) => (await (await fetch(`${s.url}/health`)).json()) as { status: string; rss: number; served: number; failed: number; queue: { held: number } };

let png: Uint8Array, pixels: Uint8Array, expectedMask: Uint8Array;
const library = () => loadModel(ckpt);

beforeAll(() => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npx tsc -p tsconfig.json first`);
  base = mkdtempSync(join(tmpdir(), 'amsunet-serve-'));
  const model = new AMSUnet({ inChannels: 1, numClasses: 2, baseC: 8, generator: new Generator(5) });
  randomizeBatchNorm(model, 9);
  ckpt = join(base, 'tiny.safetensors');
  saveStateDict(ckpt, model, configMetadata(config));
  pixels = picture(SIDE, SIDE);
  png = encodePng(pixels, SIDE, SIDE, 1);
  const seg = segmentImage(library(), decodeImage(png));
  expectedMask = maskPixels(seg);
  // A mask that is all one class would make "the same mask" a weak check.
  expect(seg.foreground).toBeGreaterThan(0.01);
  expect(seg.foreground).toBeLessThan(0.99);
});

/** 50 bodies that are not usable images, of different kinds. */
function badBodies(): { name: string; body: Uint8Array | string }[] {
  const kinds: { name: string; body: Uint8Array | string }[] = [
    { name: 'empty', body: new Uint8Array(0) },
    { name: 'text', body: '{"image": "not bytes"}' },
    { name: 'truncated PNG', body: png.subarray(0, 60) },
    { name: 'PNG with a broken signature', body: Uint8Array.from(png, (b, i) => (i === 1 ? 0x51 : b)) },
    { name: 'PNG cut in its data', body: png.subarray(0, Math.floor(png.length * 0.6)) },
    { name: 'truncated JPEG', body: encodeJpeg({ width: 32, height: 32, channels: 1, pixels: picture(32, 32) }).subarray(0, 40) },
    { name: 'TIFF with an unsupported compression', body: encodeTiff({ width: 8, height: 8, spp: 1, bits: 8, samples: new Uint8Array(64), extra: [[259, 3, [7]]] }) },
    { name: 'truncated GIF', body: encodeGif({ width: 8, height: 8, indices: new Uint8Array(64), palette: [[0, 0, 0], [255, 255, 255]] }).subarray(0, 20) },
    { name: 'RGB image for a gray model', body: encodePng(new Uint8Array(16 * 16 * 3).fill(90), 16, 16, 3) },
    { name: 'random bytes', body: Uint8Array.from({ length: 3000 }, (_, i) => (i * 2654435761) >>> 24) },
  ];
  return Array.from({ length: 50 }, (_, i) => kinds[i % kinds.length]);
}

describe('amsunet serve', () => {
  let s: Server;
  beforeAll(async () => {
    s = await startServer('--max-queue', '400');
  }, 60_000);
  afterAll(() => {
    s?.child.kill('SIGKILL');
  });

  test('GET /health and /info; wrong routes and methods are one JSON line', async () => {
    const h = await health(s);
    expect(h).toMatchObject({ status: 'ok', served: 0, queue: { held: 0, max: 400 } });
    expect(h.rss).toBeGreaterThan(10e6);
    const info = await (await fetch(`${s.url}/info`)).json();
    expect(info).toMatchObject({ model: config, hasNormalisation: true, threads: 1, limits: { maxQueue: 400 } });
    let r = await fetch(`${s.url}/predict`);
    expect(r.status).toBe(405);
    expect(await r.json()).toEqual({ error: '/predict takes POST, not GET' });
    r = await fetch(`${s.url}/masks`, { method: 'POST', body: png });
    expect(r.status).toBe(404);
    r = await post(s.url, png, '?format=xml');
    expect(r.status).toBe(400);
    expect(await r.json()).toEqual({ error: 'format must be png or json, got "xml"' });
  });

  test('mask, overlay and JSON answers equal the library; TIFF and JPEG bodies too', async () => {
    let r = await post(s.url, png);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('image/png');
    const mask = decodeImage(new Uint8Array(await r.arrayBuffer()));
    expect([mask.width, mask.height, mask.channels]).toEqual([SIDE, SIDE, 1]);
    expect(Buffer.from(mask.data as Uint8Array).equals(Buffer.from(expectedMask))).toBe(true);

    const seg = segmentImage(library(), decodeImage(png));
    r = await post(s.url, png, '?overlay=1');
    const overlay = decodeImage(new Uint8Array(await r.arrayBuffer()));
    expect(overlay.channels).toBe(3);
    expect(Buffer.from(overlay.data as Uint8Array).equals(Buffer.from(overlayPixels(decodeImage(png), seg)))).toBe(true);

    r = await post(s.url, png, '?format=json');
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    const j = (await r.json()) as { seconds: Record<string, number> };
    expect(j).toMatchObject({ width: SIDE, height: SIDE, classes: 2, fractions: classFractions(seg), foreground: seg.foreground, tile: SIDE });
    for (const k of ['queued', 'inference', 'total']) expect(j.seconds[k]).toBeGreaterThanOrEqual(0);

    for (const body of [encodeTiff({ width: SIDE, height: SIDE, spp: 1, bits: 8, samples: pixels, compression: 'lzw', rowsPerStrip: 16 }), encodeJpeg({ width: SIDE, height: SIDE, channels: 1, pixels, q: 4 })]) {
      const want = maskPixels(segmentImage(library(), decodeImage(body)));
      r = await post(s.url, body);
      expect(r.status).toBe(200);
      expect(Buffer.from(decodeImage(new Uint8Array(await r.arrayBuffer())).data as Uint8Array).equals(Buffer.from(want))).toBe(true);
    }
  }, 60_000);

  test('200 concurrent predictions and 50 bad bodies: every good one right, every bad one 400, RSS flat', async () => {
    // Warm-up, so that memory reaches its working size before it is measured: 120 predictions at 256x256 (the
    // engine's WebAssembly memory grows to the forward pass of that size and stays), then twice one prediction with
    // 250 concurrent requests behind it whose bodies are as large as the test's but refused in their turn (a byte
    // of the image data flipped: CRC mismatch): the sockets, parsers, 250 queued bodies and the server thread's
    // heap of the measured burst, without 250 more predictions.
    const burst = (body: Uint8Array, n: number) => Promise.all(Array.from({ length: n }, () => post(s.url, body).then((r) => r.arrayBuffer().then(() => r.status))));
    const flipped = Uint8Array.from(png, (b, i) => (i === png.length - 100 ? b ^ 1 : b));
    expect(await burst(png, 120)).toEqual(new Array(120).fill(200));
    for (let i = 0; i < 2; i++) {
      const first = burst(png, 1);
      await new Promise((r) => setTimeout(r, 20));
      expect(await burst(flipped, 250)).toEqual(new Array(250).fill(400));
      expect(await first).toEqual([200]);
    }
    const served = (await health(s)).served;
    const before = (await health(s)).rss;

    const good = Array.from({ length: 200 }, async () => {
      const r = await post(s.url, png);
      const body = new Uint8Array(await r.arrayBuffer());
      return { status: r.status, same: r.status === 200 && Buffer.from(decodeImage(body).data as Uint8Array).equals(Buffer.from(expectedMask)) };
    });
    const bad = badBodies().map(async ({ name, body }) => {
      const r = await post(s.url, body);
      const text = await r.text();
      return { name, status: r.status, text };
    });
    const [goods, bads] = await Promise.all([Promise.all(good), Promise.all(bad)]);
    expect(goods.filter((g) => g.status !== 200)).toEqual([]);
    expect(goods.every((g) => g.same)).toBe(true);
    for (const b of bads) {
      expect(b.status, `${b.name}: ${b.text}`).toBe(400);
      const j = JSON.parse(b.text);
      expect(Object.keys(j)).toEqual(['error']);
      expect(j.error, b.name).toMatch(/^(upload: |empty request body)/);
      expect(j.error).not.toContain('\n');
    }
    const after = await health(s);
    expect(after).toMatchObject({ status: 'ok', queue: { held: 0 } });
    expect(after.served - served).toBe(200);
    expect(Math.abs(after.rss - before) / before, `rss ${before} → ${after.rss}`).toBeLessThan(0.1);
    expect(s.err.join('')).toBe('');
  }, 300_000);

  test('a body over --max-body is 413 and the server goes on', async () => {
    const small = await startServer('--max-body', '0.5');
    try {
      const r = await post(small.url, new Uint8Array(1024 * 1024));
      expect(r.status).toBe(413);
      expect(await r.json()).toEqual({ error: 'request body larger than the limit of 524288 bytes (--max-body)' });
      expect((await post(small.url, png)).status).toBe(200);
    } finally {
      small.child.kill('SIGKILL');
    }
  }, 60_000);

  test('beyond --max-queue held requests the answer is 503 with a JSON reason; the rest are served', async () => {
    const small = await startServer('--max-queue', '2');
    try {
      // Two predictions take both places; the twelve that arrive while the first runs find the queue full.
      const bigs = [post(small.url, png), post(small.url, png)].map(async (p) => (await p).status);
      await new Promise((r) => setTimeout(r, 50));
      const rs = await Promise.all(Array.from({ length: 12 }, async () => {
        const r = await post(small.url, png);
        return { status: r.status, text: await r.text() };
      }));
      expect(await Promise.all(bigs)).toEqual([200, 200]);
      const codes = rs.map((r) => r.status);
      expect(codes.every((c) => c === 200 || c === 503)).toBe(true);
      expect(codes.filter((c) => c === 503).length).toBeGreaterThan(0);
      for (const r of rs.filter((x) => x.status === 503)) expect(JSON.parse(r.text)).toEqual({ error: 'queue full: 2 requests are waiting (--max-queue); retry later' });
      expect((await post(small.url, png)).status).toBe(200);
      expect((await health(small)).queue.held).toBe(0);
    } finally {
      small.child.kill('SIGKILL');
    }
  }, 60_000);

  test('SIGTERM: requests in flight are answered, then the process exits 0', async () => {
    const t = await startServer();
    let answered = 0;
    const inFlight = Array.from({ length: 6 }, async () => {
      const r = await post(t.url, png);
      const body = new Uint8Array(await r.arrayBuffer());
      answered++;
      return r.status === 200 && Buffer.from(decodeImage(body).data as Uint8Array).equals(Buffer.from(expectedMask));
    });
    const exited = t.exit.then((code) => ({ code, answered }));
    // Wait until the server holds all six (its HTTP thread answers /health while a prediction runs).
    let h = await health(t);
    for (let i = 0; i < 300 && h.queue.held + h.served < 6; i++) {
      await new Promise((r) => setTimeout(r, 10));
      h = await health(t);
    }
    expect(h.queue.held, JSON.stringify(h)).toBeGreaterThan(0); // some are still queued or running when the signal arrives
    t.child.kill('SIGTERM');
    expect(await Promise.all(inFlight)).toEqual([true, true, true, true, true, true]);
    expect(await exited).toEqual({ code: 0, answered: 6 }); // every answer arrived before the process ended
    expect(t.out.join('')).toMatch(/SIGTERM: no new requests; finishing the ones in flight\n.*stopped \(6 served, 0 refused as bad, 0 turned away\)/s);
    expect(t.err.join('')).toBe('');
  }, 60_000);
});
