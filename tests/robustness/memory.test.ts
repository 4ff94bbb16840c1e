/**
 * Memory soak: many small AMSUnet training steps (AdamW, warm-up + poly, CE + Dice, an eval forward now and then) in a
 * child `node --expose-gc` running the compiled package with its defaults (wasm backend, worker threads). After 30
 * warm-up steps and a full GC, the heap and the typed-array memory after N steps must be within 5% of what they were
 * after N/10 steps: a graph kept alive through .grad, gradFn or a cache would grow with every step. The heap is
 * counted without V8's code spaces, which keep growing slowly as the JIT optimises (heap snapshots over 1,500 steps
 * show only code, deopt data and source-position tables being added).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { distUrl, ensureBuilt } from './dist.js';

const STEPS = 150;

const script = `
import { AMSUnet } from '${distUrl('src/models/amsunet/amsunet.js')}';
import { AdamW } from '${distUrl('src/optim/adamw.js')}';
import { LambdaLR, warmupPoly } from '${distUrl('src/optim/schedulers.js')}';
import { amsunetCriterion } from '${distUrl('src/nn/losses.js')}';
import { noGrad } from '${distUrl('src/autograd/grad-mode.js')}';
import { randn, randint } from '${distUrl('src/tensor/create.js')}';
import { Generator } from '${distUrl('src/tensor/rng.js')}';
import { getThreads, getBackend } from '${distUrl('src/backend/index.js')}';
import { tidy } from '${distUrl('src/autograd/tidy.js')}';
import { bufferPoolStats } from '${distUrl('src/tensor/buffer-pool.js')}';
import { getHeap } from '${distUrl('src/backend/runtime.js')}';
import v8 from 'node:v8';
const N = Number(process.argv[2]), WARMUP = 30;
// SOAK_RECYCLE: images big enough for the buffer pool (64x64), backward({ recycle }) and tidy() as the CLI uses them
const RECYCLE = !!process.env.SOAK_RECYCLE, S = RECYCLE || process.env.SOAK_BIG ? 64 : 16;
const model = new AMSUnet({ inChannels: 1, numClasses: 2, baseC: 4, generator: new Generator(0) });
const opt = new AdamW(model.parameters(), { lr: 1e-3, weightDecay: 5e-5 });
const sched = new LambdaLR(opt, warmupPoly({ itersPerEpoch: 10, epochs: Math.ceil(N / 10) }));
const g = new Generator(1);
const measure = () => {
  for (let i = 0; i < 4; i++) globalThis.gc();
  const m = process.memoryUsage();
  const code = v8.getHeapSpaceStatistics().filter((sp) => sp.space_name.startsWith('code')).reduce((a, sp) => a + sp.space_used_size, 0);
  return { heapData: m.heapUsed - code, arrayBuffers: m.arrayBuffers, external: m.external, poolHeld: bufferPoolStats().heldBytes, poolReused: bufferPoolStats().reused, wasmMemory: getHeap().usage().memoryBytes };
};
const samples = {};
const kept = [];
for (let s = 1 - WARMUP; s <= N; s++) {
  model.train();
  const x = randn([2, 1, S, S], { generator: g });
  const y = randint(0, 2, [2, S, S], { generator: g });
  const loss = amsunetCriterion(model.forward(x), y, { ignoreIndex: 255 });
  opt.zeroGrad();
  loss.backward(undefined, RECYCLE ? { recycle: true } : undefined);
  opt.step();
  sched.step();
  if (s % 5 === 0) {
    model.eval();
    const input = randn([1, 1, S, S], { generator: g });
    if (RECYCLE) tidy(() => noGrad(() => model.forward(input))).release();
    else noGrad(() => model.forward(input));
  }
  if (process.env.SOAK_LEAK) kept.push(loss); // self-test: a retained graph must fail the check
  if (s === N / 10 || s === N) samples[s] = measure();
}
console.log(JSON.stringify({ threads: getThreads(), backend: getBackend(), samples }));
process.exit(0);
`;

describe('memory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rb-mem-'));
  beforeAll(() => ensureBuilt());
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  type Sample = Record<'heapData' | 'arrayBuffers' | 'external' | 'poolHeld' | 'poolReused' | 'wasmMemory', number>;
  const soak = (steps: number, env: Record<string, string> = {}) => {
    const file = join(dir, 'soak.mjs');
    writeFileSync(file, script);
    const r = spawnSync(process.execPath, ['--expose-gc', file, String(steps)], { encoding: 'utf8', timeout: 240_000, env: { ...process.env, ...env } });
    expect(r.stderr, r.stderr).toBe('');
    expect(r.status).toBe(0);
    const { threads, backend, samples } = JSON.parse(r.stdout) as { threads: number; backend: string; samples: Record<string, Sample> };
    const early = samples[steps / 10], late = samples[steps];
    const report = `${threads} thread(s), ${backend}: after ${steps / 10} steps ${JSON.stringify(early)}, after ${steps} ${JSON.stringify(late)}`;
    const grows = (k: keyof Sample) => late[k] > early[k] * 1.05;
    return { report, grows, samples };
  };

  test(`heap and typed-array memory after ${STEPS} training steps stay within 5% of the level after ${STEPS / 10}`, () => {
    const { report, grows } = soak(STEPS);
    expect(grows('heapData'), report).toBe(false);
    expect(grows('arrayBuffers'), report).toBe(false);
    expect(grows('external'), report).toBe(false);
  });

  test(`with the buffer pool (64x64 images, backward({ recycle }), tidy): the same bound, the pool is used and does not grow`, () => {
    const { report, grows, samples } = soak(STEPS, { SOAK_RECYCLE: '1' });
    expect(grows('heapData'), report).toBe(false);
    expect(grows('arrayBuffers'), report).toBe(false);
    expect(grows('external'), report).toBe(false);
    expect(grows('poolHeld'), report).toBe(false);
    expect(grows('wasmMemory'), report).toBe(false);
    expect(samples[STEPS].poolReused, report).toBeGreaterThan(100 * STEPS); // every step reuses its buffers
  });

  test('a plain backward() loop (no recycle, no tidy) on 64x64 images: the same bound, and the wasm memory does not grow', () => {
    const { report, grows } = soak(STEPS, { SOAK_BIG: '1' });
    expect(grows('heapData'), report).toBe(false);
    expect(grows('arrayBuffers'), report).toBe(false);
    expect(grows('wasmMemory'), report).toBe(false);
  });

  test('the check sees a leak: keeping every loss (and so its graph) alive fails it', () => {
    const { report, grows } = soak(40, { SOAK_LEAK: '1' });
    expect(grows('heapData'), report).toBe(true);
    expect(grows('arrayBuffers'), report).toBe(true);
  });

});
