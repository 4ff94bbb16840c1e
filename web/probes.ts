/**
 * Seeded computations that the browser tests run in the page's worker and in Node, to compare bits: a forward pass
 * of a fresh AMSUnet on a seeded input, and the first steps of the demo's training run (trainer.ts).
 */
import { AMSUnet, manualSeed, randn, noGrad, setThreads, getThreads, getBackend } from '../src/index.js';
import { Trainer, DEMO_SETTINGS } from './trainer.js';

export type ProbeRequest =
  | { kind: 'forward'; baseC: number; size: number; seed?: number; threads?: number; repeats?: number }
  | { kind: 'steps'; steps: number; threads?: number };

export type ProbeResult =
  | { kind: 'forward'; logits: Float32Array; ms: number[]; threads: number; backend: string }
  | { kind: 'steps'; losses: number[]; weights: Float32Array; threads: number; backend: string };

export function runProbe(r: ProbeRequest): ProbeResult {
  if (r.threads) setThreads(r.threads);
  if (r.kind === 'forward') {
    manualSeed(r.seed ?? 0);
    const model = new AMSUnet({ baseC: r.baseC });
    model.eval();
    const x = randn([1, 3, r.size, r.size]);
    const ms: number[] = [];
    let logits: Float32Array | null = null;
    for (let i = 0; i < (r.repeats ?? 1); i++) {
      const t0 = performance.now();
      const y = noGrad(() => model.forward(x));
      ms.push(performance.now() - t0);
      logits ??= Float32Array.from(y.data);
    }
    return { kind: 'forward', logits: logits!, ms, threads: getThreads(), backend: getBackend() };
  }
  const trainer = new Trainer(DEMO_SETTINGS);
  const losses: number[] = [];
  for (let i = 0; i < r.steps; i++) losses.push(trainer.next().step.loss);
  const parts = [...trainer.model.stateDict().values()].filter((t) => t.dtype === 'float32').map((t) => t.data as Float32Array);
  const weights = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  parts.reduce((o, p) => (weights.set(p, o), o + p.length), 0);
  return { kind: 'steps', losses, weights, threads: getThreads(), backend: getBackend() };
}
