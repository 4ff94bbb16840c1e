/**
 * `npm run web`: the demo page on http://localhost:8080, served with node:http alone. The page's scripts are
 * bundled from TypeScript with esbuild when the server starts (web/page/app.ts, the training worker, the segmenter
 * worker), into memory.
 *
 * By default every response carries the cross-origin isolation headers (COOP same-origin, COEP require-corp), so
 * the page gets SharedArrayBuffer and the engine runs on Web Workers sharing one WebAssembly memory; with
 * --no-isolation they are left out and the engine runs on one thread with ordinary memory.
 *
 *   node dist/web/serve.js [--port 8080] [--host 127.0.0.1] [--no-isolation]
 */
import { createServer, type Server } from 'node:http';
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join, extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json',
};

/** The repository root: the nearest folder above this file with a package.json (from web/ or dist/web/). */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('serve: no package.json above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
  return dir;
}

/** The page's scripts, bundled for the browser: output file name → bytes. */
export async function bundlePage(root = repoRoot()): Promise<Map<string, Uint8Array>> {
  const result = await build({
    absWorkingDir: root,
    entryPoints: {
      app: 'web/page/app.ts',
      'train-worker': 'web/train-worker.ts',
      'segmenter-worker': 'src/segmenter/web-worker.ts',
      // the engine's pool workers: the web platform starts new URL('./web-pool-worker.js', import.meta.url) of
      // the bundle that holds it (src/platform/web.ts)
      'web-pool-worker': 'src/platform/web-pool-worker.ts',
    },
    bundle: true, format: 'esm', platform: 'browser', target: 'es2022', outdir: 'build', write: false, logLevel: 'silent',
  });
  return new Map(result.outputFiles.map((f) => [`/build/${f.path.split('/').pop()}`, f.contents]));
}

export interface WebServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Serve the demo page; port 0 picks a free one. */
export async function startWebServer(o: { port?: number; host?: string; isolation?: boolean } = {}): Promise<WebServer> {
  const root = repoRoot();
  const bundles = await bundlePage(root);
  const isolation = o.isolation ?? true;
  const statics: Record<string, string> = { '/': 'web/index.html', '/index.html': 'web/index.html', '/style.css': 'web/style.css' };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const headers: Record<string, string> = { 'Cache-Control': 'no-store', 'Cross-Origin-Resource-Policy': 'same-origin' };
    if (isolation) Object.assign(headers, { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' });
    const body = bundles.get(path) ?? (statics[path] ? readFileSync(join(root, statics[path])) : null);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, headers).end();
    } else if (!body) {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' }).end(`not found: ${path}\n`);
    } else {
      const type = TYPES[extname(statics[path] ?? path) || '.html'] ?? 'application/octet-stream';
      res.writeHead(200, { ...headers, 'Content-Type': type, 'Content-Length': String(body.byteLength) }).end(req.method === 'HEAD' ? undefined : body);
    }
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(o.port ?? 8080, o.host ?? '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : o.port;
  return {
    url: `http://${o.host ?? '127.0.0.1'}:${port}/`,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const isolation = !process.argv.includes('--no-isolation');
  startWebServer({ port: Number(flag('--port') ?? 8080), host: flag('--host'), isolation }).then(
    (s) => console.log(`amsunet-ts demo page: ${s.url}  (${isolation ? 'cross-origin isolated: Web Workers over shared memory' : 'not isolated: one thread'}; Ctrl-C stops)`),
    (e) => {
      console.error(`serve: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    },
  );
}
