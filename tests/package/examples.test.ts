/**
 * The README's embedding examples (examples/*.ts), compiled by `npm run build`, run as a user runs them; their
 * output is what the README shows. The browser example is also bundled with esbuild (platform=browser) and run in
 * headless Chromium on a plain page (no isolation headers) when Chromium is installed.
 */
import { describe, expect, test } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:http';
import { chromiumAvailable, launchChromium } from '../browser/chromium.js';

const ROOT = process.cwd();

function example(name: string, args: string[] = []): string {
  const file = join(ROOT, 'dist/examples', `${name}.js`);
  if (!existsSync(file)) throw new Error(`${file} is missing: run npm run build first`);
  const r = spawnSync(process.execPath, [...args, file], { encoding: 'utf8', timeout: 240_000, cwd: ROOT });
  if (r.status !== 0) throw new Error(`examples/${name}.ts exited with ${r.status ?? r.signal}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

describe('examples', () => {
  test('node-service: segments off the event loop, a bad upload is a readable error', () => {
    const out = example('node-service');
    expect(out).toMatch(/^model in a worker: amsunet baseC 8, 2 threads \((wasm|js)\)$/m);
    expect(out).toMatch(/^segmented scan\.png: 256x256, foreground [\d.]+ %$/m);
    const ticks = Number(/a 10 ms timer fired (\d+) times/.exec(out)![1]);
    expect(ticks).toBeGreaterThanOrEqual(3);
    expect(out).toMatch(/^bad upload: notes\.txt: .+$/m);
  });

  test('node-service works under `node --input-type=module` (workers do not inherit unusable execArgv)', () => {
    const file = join(ROOT, 'dist/examples/node-service.js');
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(file)})`], { encoding: 'utf8', timeout: 240_000, cwd: ROOT });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^segmented scan\.png: 256x256/m);
  });

  test('segment-file: weights with a given normalisation, image from bytes, mask written', () => {
    expect(example('segment-file')).toMatch(/^retina\.png: 96x96 png, 2 classes, tile 64, foreground [\d.]+ % → retina_mask\.png$/m);
  });

  test('train-steps: trains, saves and reloads bit-identically', () => {
    const out = example('train-steps');
    expect(out).toMatch(/^step 5: loss \d\.\d{4}$/m);
    expect(out).toMatch(/max \|logit difference\|: 0$/m);
  });

  test('bundle: the browser entry bundles for platform=browser with no errors and no Node modules', () => {
    expect(example('bundle')).toMatch(/^browser bundle: dist\/examples\/browser-app\.bundle\.js \d+ KB from \d+ modules; 0 errors, 0 warnings, Node modules: none$/m);
    const bundle = readFileSync(join(ROOT, 'dist/examples/browser-app.bundle.js'), 'utf8');
    expect(bundle).not.toMatch(/["']node:|require\(["']/);
  });

  test.runIf(chromiumAvailable())('browser-app: the bundle runs in a plain page (no isolation) in headless Chromium', async () => {
    example('bundle');
    const js = readFileSync(join(ROOT, 'dist/examples/browser-app.bundle.js'));
    const server = createServer((req, res) => {
      if (req.url === '/app.js') res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(js);
      else res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><link rel="icon" href="data:,"><body>loading</body><script type="module" src="/app.js"></script>');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`http://127.0.0.1:${(server.address() as { port: number }).port}/`);
      await page.waitForFunction('document.body.textContent !== "loading"', null, { timeout: 60_000 });
      expect(errors).toEqual([]);
      expect(await page.textContent('body')).toMatch(/^AMSUnet baseC 8 forward 1x3x64x64 in \d+ ms on 1 thread \((wasm|js)\): logits \[1, 2, 64, 64\], \d+ foreground pixels$/);
    } finally {
      await browser.close();
      server.close();
    }
  });
});
