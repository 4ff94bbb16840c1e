/**
 * Where the time of an AMSUnet training step goes. Not a benchmark (see run.ts): a profile, in three views.
 *
 * 1. Phases: median wall time of forward, loss, backward and AdamW (zeroGrad + step) over --reps steps.
 * 2. Ops: the backward closure of every recorded op is wrapped after the forward pass (exact time per op kind; the
 *    conv2d nodes are split by kind: 1x1, dense, dw 3x3, dw dilated, dw strip) and the forward methods of the
 *    layer classes are wrapped for the run (exclusive time per layer kind; the element-wise ops a block calls
 *    directly, e.g. AMS's adds and product, count to the block). The wrappers live only in this script; nothing
 *    in src/ has a hook.
 * 3. Kernels: V8's sampling CPU profiler (node:inspector) over each phase, self time per function.
 *
 * Usage: npm run build && node dist/bench/profile-step.js [--config small|large|both] [--reps 5] [--top 25]
 *          [--threads 1] [--backend wasm|js] [--timing-only] [--size 256] [--by-shape]
 *   small: baseC 8, train step on 8x3x64x64;  large: baseC 32, forward only on 1x3xSxS (S = --size, default 256);
 *   large-step (not in 'both'): baseC 32, train step on 2x3x256x256.
 *   --by-shape: the forward table has a row per conv shape (channels and input size), not per conv kind.
 */
import { Session } from 'node:inspector';
import { AMSUnet } from '../src/models/amsunet/amsunet.js';
import { Module } from '../src/nn/module.js';
import { Conv2d } from '../src/nn/layers/conv2d.js';
import { amsunetCriterion } from '../src/nn/losses.js';
import { AdamW } from '../src/optim/adamw.js';
import { randn, randint, tensor } from '../src/tensor/create.js';
import { Generator } from '../src/tensor/rng.js';
import { noGrad } from '../src/autograd/grad-mode.js';
import { tidy } from '../src/autograd/tidy.js';
import type { Tensor } from '../src/tensor/tensor.js';
import { type BackendName, setBackend, setThreads } from '../src/backend/index.js';

const argv = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : dflt;
};

/* ---------- timing tables ---------- */

class Table {
  readonly ms = new Map<string, number>();
  readonly calls = new Map<string, number>();
  add(key: string, ms: number): void {
    this.ms.set(key, (this.ms.get(key) ?? 0) + ms);
    this.calls.set(key, (this.calls.get(key) ?? 0) + 1);
  }
  clear(): void {
    this.ms.clear();
    this.calls.clear();
  }
  print(title: string, reps: number, top = 1e9, showCalls = true): void {
    const rows = [...this.ms.entries()].sort((a, b) => b[1] - a[1]);
    const total = rows.reduce((s, [, v]) => s + v, 0);
    console.log(`\n  ${title}: ${(total / reps).toFixed(1)} ms per step`);
    for (const [k, v] of rows.slice(0, top)) {
      const calls = showCalls ? `${String((this.calls.get(k) ?? 0) / reps).padStart(4)}x  ` : '';
      console.log(`    ${(v / reps).toFixed(2).padStart(9)} ms ${((100 * v) / total).toFixed(1).padStart(5)}%  ${calls}${k}`);
    }
  }
}

/** Name a conv by the kernel family that serves it. */
function convKind(w: Tensor, groups: number, stride: number, dilation: number): string {
  const [cout, cinG, kH, kW] = w.shape;
  if (kH === 1 && kW === 1 && stride === 1) return `conv 1x1`;
  if (groups > 1 && cinG === 1) {
    if (kH !== kW) return `conv dw strip ${kH}x${kW}`;
    return dilation > 1 ? `conv dw ${kH}x${kW} dil${dilation}` : `conv dw ${kH}x${kW}`;
  }
  return `conv dense ${kH}x${kW} s${stride} (${cinG}->${cout})`;
}

/* ---------- forward: exclusive time per layer class ---------- */

const fwd = new Table();
let fwdHookOn = false;
const stack: { key: string; child: number }[] = [];

function layerKey(m: Module): string {
  if (m instanceof Conv2d) {
    const o = m.options;
    const s = typeof o.stride === 'number' ? o.stride : o.stride![0];
    const d = typeof o.dilation === 'number' ? o.dilation : o.dilation![0];
    return convKind(m.weight, o.groups ?? 1, s ?? 1, d ?? 1);
  }
  return m.constructor.name;
}

const hooked = new WeakSet<Module>();
/** --by-shape: each conv layer's row also names its channels and input size. */
const byShape = argv.includes('--by-shape');

/**
 * Wrap `forward` of every module of the model (once per instance). Module's constructor installs the scoped forward
 * as an own property of each instance, so the instance's property is what callers reach, not the prototype's.
 */
function hookForwards(model: Module): void {
  const visit = (m: Module): void => {
    if (!hooked.has(m)) {
      hooked.add(m);
      const orig = m.forward as (...a: unknown[]) => Tensor;
      m.forward = (...args: unknown[]) => {
        if (!fwdHookOn) return orig.apply(m, args);
        let key = layerKey(m);
        if (byShape && m instanceof Conv2d && args[0]) {
          const [n, c, h, w] = (args[0] as Tensor).shape;
          key += ` ${c}->${m.weight.shape[0]} @${n}x${h}x${w}`;
        }
        const frame = { key, child: 0 };
        stack.push(frame);
        const t0 = performance.now();
        try {
          return orig.apply(m, args);
        } finally {
          const dt = performance.now() - t0;
          stack.pop();
          fwd.add(frame.key, dt - frame.child);
          if (stack.length) stack[stack.length - 1].child += dt;
        }
      };
    }
    for (const c of m.children()) visit(c);
  };
  visit(model);
}

/* ---------- backward: time per recorded op ---------- */

const bwd = new Table();

/** Replace every backward closure reachable from `root` by a timed one. */
function hookBackward(root: Tensor): void {
  const seen = new Set<Tensor>();
  const todo: Tensor[] = [root];
  while (todo.length) {
    const t = todo.pop()!;
    if (seen.has(t) || !t.gradFn) continue;
    seen.add(t);
    const fn = t.gradFn;
    let key = fn.name;
    if (fn.name === 'conv2d') {
      const x = fn.inputs[0]!, w = fn.inputs[1]!;
      const stride = Math.round(x.shape[2] / t.shape[2]);
      const groups = x.shape[1] / w.shape[1];
      key = convKind(w, groups, stride, 0) + (w.shape[2] === 3 && groups > 1 ? ' (incl. dilated)' : '');
    }
    const orig = fn.backward!;
    fn.backward = (gy, needs) => {
      const t0 = performance.now();
      const r = orig(gy, needs);
      bwd.add(key, performance.now() - t0);
      return r;
    };
    for (const x of fn.inputs) if (x) todo.push(x);
  }
}

/* ---------- CPU profile: self time per function ---------- */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const session = new Session();
session.connect();
const post = <T>(method: string, params: object = {}): Promise<T> =>
  new Promise((resolve, reject) => session.post(method, params, (err, res) => (err ? reject(err) : resolve(res as T))));

const kernelTable = new Map<string, Table>();
await post('Profiler.enable');
await post('Profiler.setSamplingInterval', { interval: 200 });

let cpuProfileOn = false;

async function profiled<T>(phase: string, f: () => T): Promise<T> {
  if (!cpuProfileOn) return f();
  await post('Profiler.start');
  const r = f();
  const { profile } = await post<{ profile: Profile }>('Profiler.stop');
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const table = kernelTable.get(phase) ?? new Table();
  kernelTable.set(phase, table);
  for (let i = 0; i < profile.samples.length; i++) {
    const n = byId.get(profile.samples[i])!;
    const file = n.callFrame.url.replace(/^.*\/(src|bench)\//, '$1/').replace(/\.js$/, '');
    const name = `${n.callFrame.functionName || '(anonymous)'}  ${file}`;
    table.add(name, (profile.timeDeltas[i] ?? 0) / 1000);
  }
  return r;
}

/* ---------- runs ---------- */

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function trainStep(label: string, baseC: number, shape: [number, number, number, number], reps: number, top: number): Promise<void> {
  const gen = new Generator(1);
  const model = new AMSUnet({ inChannels: 3, numClasses: 2, baseC, generator: gen }).train();
  const optim = new AdamW(model.parameters(), { lr: 2e-3, weightDecay: 5e-5 });
  const x = randn(shape, { generator: gen });
  const target = randint(0, 2, [shape[0], shape[2], shape[3]], { generator: gen });
  const weight = tensor([1, 1], [2]);
  hookForwards(model);
  const times: Record<string, number[]> = { forward: [], loss: [], backward: [], adamw: [], step: [] };
  fwd.clear();
  bwd.clear();
  kernelTable.clear();
  // reps 0..reps-1: clean timings; reps..2·reps-1: with the op hooks and the CPU profiler; rep -1 warms up
  for (let r = -1; r < (timingOnly ? reps : 2 * reps); r++) {
    const measured = r >= 0;
    const profiling = r >= reps;
    fwdHookOn = cpuProfileOn = profiling;
    const t0 = performance.now();
    const logits = await profiled('forward', () => model.forward(x));
    const t1 = performance.now();
    const loss = await profiled('loss', () => amsunetCriterion(logits, target, { weight, ignoreIndex: 255 }));
    const t2 = performance.now();
    if (profiling) hookBackward(loss);
    const t3 = performance.now();
    await profiled('backward', () => loss.backward(undefined, { recycle: true }));
    const t4 = performance.now();
    await profiled('adamw', () => optim.step());
    optim.zeroGrad();
    const t5 = performance.now();
    if (!measured || profiling) continue;
    times.forward.push(t1 - t0);
    times.loss.push(t2 - t1);
    times.backward.push(t4 - t3);
    times.adamw.push(t5 - t4);
    times.step.push(t1 - t0 + (t2 - t1) + (t5 - t3));
  }
  fwdHookOn = cpuProfileOn = false;
  console.log(`\n=== ${label}: train step, AMSUnet baseC ${baseC}, input ${shape.join('x')}, float32, ${reps} reps (medians) ===`);
  for (const [k, v] of Object.entries(times)) console.log(`  ${k.padEnd(9)} ${median(v).toFixed(1).padStart(9)} ms`);
  if (timingOnly) return;
  fwd.print('forward, exclusive time per layer kind', reps, top);
  bwd.print('backward, time per op kind', reps, top);
  for (const [phase, t] of kernelTable) t.print(`CPU profile of ${phase}, self time per function`, reps, top, false);
}

async function forwardOnly(label: string, baseC: number, shape: [number, number, number, number], reps: number, top: number): Promise<void> {
  const gen = new Generator(1);
  const model = new AMSUnet({ inChannels: 3, numClasses: 2, baseC, generator: gen }).eval();
  const x = randn(shape, { generator: gen });
  hookForwards(model);
  fwd.clear();
  kernelTable.clear();
  const times: number[] = [];
  for (let r = -1; r < (timingOnly ? reps : 2 * reps); r++) {
    fwdHookOn = cpuProfileOn = r >= reps;
    const t0 = performance.now();
    await profiled('forward', () => tidy(() => noGrad(() => model.forward(x))).release());
    if (r >= 0 && r < reps) times.push(performance.now() - t0);
  }
  fwdHookOn = cpuProfileOn = false;
  console.log(`\n=== ${label}: forward (eval, no grad), AMSUnet baseC ${baseC}, input ${shape.join('x')}, float32, ${reps} reps ===`);
  console.log(`  forward   ${median(times).toFixed(1).padStart(9)} ms (median)`);
  if (timingOnly) return;
  fwd.print('forward, exclusive time per layer kind', reps, top);
  for (const [phase, t] of kernelTable) t.print(`CPU profile of ${phase}, self time per function`, reps, top, false);
}

setThreads(Number(opt('threads', '1')));
setBackend(opt('backend', 'wasm') as BackendName);
console.log(`backend ${opt('backend', 'wasm')}, ${opt('threads', '1')} thread(s), Node ${process.version}`);
const timingOnly = argv.includes('--timing-only');
const config = opt('config', 'both');
const reps = Number(opt('reps', '5'));
const top = Number(opt('top', '25'));
if (config === 'small' || config === 'both') await trainStep('small', 8, [8, 3, 64, 64], reps, top);
if (config === 'large-step') await trainStep('large-step', 32, [2, 3, 256, 256], reps, top);
const size = Number(opt('size', '256'));
if (config === 'large' || config === 'both') await forwardOnly('large', 32, [1, 3, size, size], Math.max(1, Math.min(reps, 3)), top);
session.disconnect();
