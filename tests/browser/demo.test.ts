/**
 * The demo page in headless Chromium, served by web/serve.ts with and without the cross-origin isolation headers.
 * The page's workers run the same seeded computations as Node (web/probes.ts) and must give the same bits for the
 * same thread count: a forward pass and the first training steps. A bad upload must show a readable error in the
 * page with nothing thrown to the console. The full in-tab training run reaches validation Dice ≥ 0.90 and its
 * downloaded best.safetensors evaluates to the same Dice with `amsunet eval`.
 */
import { describe, expect, test, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { chromiumAvailable, launchChromium } from './chromium.js';
import { startWebServer, type WebServer } from '../../web/serve.js';
import { runProbe, type ProbeRequest, type ProbeResult } from '../../web/probes.js';
import { setThreads, getThreads } from '../../src/index.js';

const run = chromiumAvailable();
const MAIN = join(process.cwd(), 'dist/src/cli/main.js');

let browser: Browser;
const servers: Record<'isolated' | 'plain', WebServer> = {} as never;
let base: string;

interface PageLog { errors: string[] }

async function openDemo(which: 'isolated' | 'plain'): Promise<{ page: Page; log: PageLog }> {
  const page = await browser.newPage({ acceptDownloads: true });
  const log: PageLog = { errors: [] };
  page.on('console', (m) => m.type() === 'error' && log.errors.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => log.errors.push(`pageerror: ${e.message}`));
  await page.goto(servers[which].url);
  await page.waitForFunction('"amsunetDemo" in window');
  return { page, log };
}

/** Run a probe in a fresh worker of the page; typed arrays come back as plain arrays. */
async function probeInPage(page: Page, request: ProbeRequest): Promise<{ result: Record<string, unknown> }> {
  return page.evaluate(async (r) => {
    const out = (await (globalThis as unknown as { amsunetDemo: { probe(r: unknown): Promise<{ result: Record<string, unknown> }> } }).amsunetDemo.probe(r));
    const result = Object.fromEntries(Object.entries(out.result).map(([k, v]) => [k, ArrayBuffer.isView(v) ? Array.from(v as Float32Array) : v]));
    return { result };
  }, request);
}

function inNode(request: ProbeRequest): ProbeResult {
  const before = getThreads();
  try {
    return runProbe(request);
  } finally {
    setThreads(before);
  }
}

/** Indices where two float arrays differ in bits (NaN-safe), at most a few. */
function bitDiff(a: ArrayLike<number>, b: ArrayLike<number>): string[] {
  const fa = Float32Array.from(a), fb = Float32Array.from(b);
  const ua = new Uint32Array(fa.buffer), ub = new Uint32Array(fb.buffer);
  const out: string[] = [];
  if (fa.length !== fb.length) return [`length ${fa.length} vs ${fb.length}`];
  for (let i = 0; i < ua.length && out.length < 5; i++) if (ua[i] !== ub[i]) out.push(`[${i}] ${fa[i]} vs ${fb[i]}`);
  return out;
}

describe.runIf(run)('demo page in headless Chromium', () => {
  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), 'amsunet-browser-'));
    servers.isolated = await startWebServer({ port: 0, isolation: true });
    servers.plain = await startWebServer({ port: 0, isolation: false });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all(Object.values(servers).map((s) => s.close()));
  });

  test('without isolation headers: one thread; a forward and 3 training steps equal Node bit for bit', async () => {
    const { page, log } = await openDemo('plain');
    expect(await page.evaluate('crossOriginIsolated')).toBe(false);
    const fwd = { kind: 'forward', baseC: 8, size: 48, seed: 3, threads: 1 } as const;
    const [web, node] = [(await probeInPage(page, fwd)).result, inNode(fwd)];
    expect(web.threads).toBe(1);
    expect(bitDiff(web.logits as number[], node.kind === 'forward' ? node.logits : [])).toEqual([]);
    const steps = { kind: 'steps', steps: 3, threads: 1 } as const;
    const [webSteps, nodeSteps] = [(await probeInPage(page, steps)).result, inNode(steps)];
    expect(webSteps.losses).toEqual(nodeSteps.kind === 'steps' ? nodeSteps.losses : []);
    expect(bitDiff(webSteps.weights as number[], nodeSteps.kind === 'steps' ? nodeSteps.weights : [])).toEqual([]);
    expect(log.errors).toEqual([]);
    await page.close();
  });

  test('cross-origin isolated: 2 threads (Web Workers over shared memory); forward and training steps equal Node on 2 threads', async () => {
    const { page, log } = await openDemo('isolated');
    expect(await page.evaluate('crossOriginIsolated')).toBe(true);
    const fwd = { kind: 'forward', baseC: 8, size: 64, seed: 5, threads: 2 } as const;
    const [web, node] = [(await probeInPage(page, fwd)).result, inNode(fwd)];
    expect(web.threads).toBe(2);
    expect(bitDiff(web.logits as number[], node.kind === 'forward' ? node.logits : [])).toEqual([]);
    const steps = { kind: 'steps', steps: 3, threads: 2 } as const;
    const [webSteps, nodeSteps] = [(await probeInPage(page, steps)).result, inNode(steps)];
    expect(webSteps.losses).toEqual(nodeSteps.kind === 'steps' ? nodeSteps.losses : []);
    expect(bitDiff(webSteps.weights as number[], nodeSteps.kind === 'steps' ? nodeSteps.weights : [])).toEqual([]);
    expect(log.errors).toEqual([]);
    await page.close();
  });

  test('forward time, AMSUnet C32 1x3x256x256 on 2 threads: browser (isolated page) vs Node (reported)', async () => {
    const { page } = await openDemo('isolated');
    const req = { kind: 'forward', baseC: 32, size: 256, seed: 0, threads: 2, repeats: 4 } as const;
    const web = (await probeInPage(page, req)).result;
    const node = inNode(req);
    const median = (xs: number[]) => [...xs.slice(1)].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]; // first call excluded (warm-up)
    const w = median(web.ms as number[]), n = median(node.kind === 'forward' ? node.ms : []);
    process.stdout.write(`browser forward C32 1x3x256x256, 2 threads: ${w.toFixed(0)} ms; Node ${n.toFixed(0)} ms; ratio ${(w / n).toFixed(2)} (median of 3 warm runs, machine shared)\n`);
    expect(bitDiff(web.logits as number[], node.kind === 'forward' ? node.logits : [])).toEqual([]);
    await page.close();
  });

  test('a bad upload shows a readable error in the page and nothing is thrown to the console', async () => {
    const { page, log } = await openDemo('plain');
    const ckpt = join(base, 'tiny.safetensors');
    // a real checkpoint from the trainer (config metadata included), and an "image" that is not one
    const { Trainer, DEMO_SETTINGS } = await import('../../web/trainer.js');
    const t = new Trainer({ ...DEMO_SETTINGS, epochs: 1, syntheticCount: 8, size: 32 });
    while (!t.done) t.next();
    writeFileSync(ckpt, t.bestCheckpoint());
    await page.setInputFiles('#files', [
      { name: 'scan.png', mimeType: 'image/png', buffer: Buffer.from('this is not a PNG file at all') },
      { name: 'tiny.safetensors', mimeType: 'application/octet-stream', buffer: readFileSync(ckpt) },
    ]);
    const error = page.locator('#seg-error');
    await error.waitFor({ state: 'visible' });
    const text = await error.textContent();
    expect(text).toMatch(/scan\.png/);
    expect(text!.length).toBeLessThan(300);
    expect(text).not.toMatch(/\n|at \w+ \(/); // one line, no stack
    expect(log.errors).toEqual([]);
    await page.close();
  });

  test('train in the tab (isolated, 2 threads): validation Dice ≥ 0.90, and the downloaded best.safetensors gives the same Dice with amsunet eval', async () => {
    expect(existsSync(MAIN)).toBe(true);
    const { page, log } = await openDemo('isolated');
    await page.click('#tab-train');
    await page.selectOption('#train-threads', '2');
    const t0 = Date.now();
    await page.click('#train-start');
    await page.waitForFunction('/^(done|stopped)/.test(document.getElementById("train-status").textContent)', null, { timeout: 600_000 });
    const status = (await page.textContent('#train-status'))!;
    const seconds = (Date.now() - t0) / 1000;
    const best = (await page.evaluate('amsunetDemo.training.bestValDice')) as number;
    process.stdout.write(`in-browser training (12 epochs, 2 threads): ${status} [${seconds.toFixed(0)} s]\n`);
    expect(best).toBeGreaterThanOrEqual(0.9);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    const file = join(base, 'best.safetensors');
    await download.saveAs(file);
    const r = spawnSync(process.execPath, [MAIN, 'eval', '--checkpoint', file, '--json', '--threads', '2'], { encoding: 'utf8', timeout: 300_000 });
    expect(r.status, r.stderr).toBe(0);
    const lastJson = JSON.parse(r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop()!);
    const dice = lastJson.report?.dice ?? lastJson.dice ?? lastJson.report?.foregroundDice;
    process.stdout.write(`amsunet eval of the downloaded checkpoint: Dice ${dice}\n`);
    expect(dice).toBe(best);
    expect(log.errors).toEqual([]);
    await page.close();
  }, 900_000);
});
