/**
 * Memory soak: many small AMSUnet training steps (AdamW, warm-up + poly, CE + Dice, an eval forward now and then) in a
 * child `node --expose-gc` running the compiled package with its defaults (wasm backend, worker threads). After 30
 * warm-up steps and a full GC, the heap and the typed-array memory after N steps must be within 5% of what they were
 * after N/10 steps: a graph kept alive through .grad, gradFn or a cache would grow with every step. The heap is
 * counted from a heap snapshot without V8's 'code' nodes (machine code and its deopt data, relocation info and
 * source-position tables), which keep growing for hundreds of steps as the JIT optimises: counted by heap space
 * (heapUsed less the code spaces, as before) they moved the ratio by 1-7 % from run to run.
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
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  return { heapData: heapDataBytes(), arrayBuffers: m.arrayBuffers, external: m.external, poolHeld: bufferPoolStats().heldBytes, poolReused: bufferPoolStats().reused, wasmMemory: getHeap().usage().memoryBytes };
};
// The JS heap without V8's compiled code and its metadata: the sum of the self sizes of every heap-snapshot node
// whose type is neither 'code' (bytecode, machine code, deopt data, relocation info, source-position tables, feedback
// vectors: they keep growing for hundreds of steps as the JIT optimises; a snapshot diff of steps 15 and 150 shows
// nothing else growing) nor 'native' (typed-array backing stores and the wasm memory, which arrayBuffers, external and
// wasmMemory count), nor the backing table of a WeakSet or WeakMap: a weak collection cannot keep its keys alive, and
// V8 sizes its table at the last rehash, by the entries live then (mid-step, a whole graph's tensors), and does not
// shrink it when the GC clears them, so the table's size jumps between powers of two from run to run (256 KB to
// 512 KB here: the flake of the earlier measure). Its entries' keys and values are counted as their own nodes.
// Tensors, graph nodes, closures, arrays and strings are all counted.
const heapDataBytes = () => {
  const file = v8.writeHeapSnapshot(join(tmpdir(), \`soak-\${process.pid}.heapsnapshot\`));
  const { snapshot, nodes, edges, strings } = JSON.parse(readFileSync(file, 'utf8'));
  rmSync(file);
  const fields = snapshot.meta.node_fields, types = snapshot.meta.node_types[0];
  const stride = fields.length, typeAt = fields.indexOf('type'), nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size'), edgeCountAt = fields.indexOf('edge_count');
  const edgeStride = snapshot.meta.edge_fields.length, edgeTypes = snapshot.meta.edge_types[0];
  const code = types.indexOf('code'), native = types.indexOf('native'), internal = edgeTypes.indexOf('internal');
  const weakTables = new Set();
  for (let i = 0, e = 0; i < nodes.length; e += nodes[i + edgeCountAt] * edgeStride, i += stride) {
    if (strings[nodes[i + nameAt]] !== 'WeakSet' && strings[nodes[i + nameAt]] !== 'WeakMap') continue;
    for (let k = e; k < e + nodes[i + edgeCountAt] * edgeStride; k += edgeStride) {
      if (edges[k] === internal && strings[edges[k + 1]] === 'table') weakTables.add(edges[k + 2]); // to_node: a node's index in nodes
    }
  }
  let bytes = 0;
  for (let i = 0; i < nodes.length; i += stride) {
    const type = nodes[i + typeAt];
    if (type !== code && type !== native && !weakTables.has(i)) bytes += nodes[i + sizeAt];
  }
  return bytes;
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
