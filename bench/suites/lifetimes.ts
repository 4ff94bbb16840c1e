/**
 * Automatic memory lifetimes (issue 11): the loop a PyTorch user writes against the memory-managed one, and the
 * eval forward's cost over image sizes. Every figure comes from a child process of its own
 * (bench/lifetimes/child.ts), so its peak RSS is that work's alone, and its first call is a true first call.
 *   - train step C32 2x3x256²: plain `loss.backward()` vs `backward(undefined, { recycle: true })`
 *   - eval forward C32 1x3x256²: plain `noGrad(() => model.forward(x))` vs inside `tidy`
 *   - eval forward (plain) at 256², 512², 768²: warm median, first call, peak RSS; ratios to 256²
 * Targets: plain within 10% of managed (time and RSS); 512² <= 4.4x and 768² <= 9.9x the 256² time; first call
 * <= 1.5x warm; peak RSS at 512² <= 1.0 GB.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildJob, ChildResult } from '../lifetimes/child.js';

const childScript = fileURLToPath(new URL('../lifetimes/child.js', import.meta.url));

function runChild(job: ChildJob): ChildResult {
  const r = spawnSync(process.execPath, [childScript, JSON.stringify(job)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`lifetimes bench child failed (${JSON.stringify(job)}): ${r.stderr.trim().split('\n').pop()}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildResult;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ms = (x: number): string => x.toFixed(0);
const gb = (bytes: number): string => (bytes / 1024 ** 3).toFixed(2);
const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}x`;

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')).join('\n');
}

export const lifetimesReportName = 'AMSUnet lifetimes: plain loop vs managed loop, forward over image sizes';

/** Run the children one after another and return the printed tables. */
export function lifetimesReport(quick: boolean): string {
  const step = quick ? { baseC: 8, batch: 2, size: 64 } : { baseC: 32, batch: 2, size: 256 };
  const stepRuns = quick ? 3 : 3;
  const out: string[] = [`## ${lifetimesReportName}`];

  const pair = (work: 'step' | 'forward', shape: { baseC: number; batch: number; size: number }, runs: number): string => {
    const plain = runChild({ work, loop: 'plain', ...shape, runs });
    const managed = runChild({ work, loop: 'managed', ...shape, runs });
    const p = median(plain.ms), m = median(managed.ms);
    return table([
      ['', 'ms (median)', 'first ms', 'peak RSS GB'],
      [`plain (${work === 'step' ? 'loss.backward()' : 'noGrad(forward)'})`, ms(p), ms(plain.firstMs), gb(plain.peakRssBytes)],
      [`managed (${work === 'step' ? 'backward({ recycle })' : 'tidy(noGrad(forward))'})`, ms(m), ms(managed.firstMs), gb(managed.peakRssBytes)],
      ['plain / managed', ratio(p, m), '', ratio(plain.peakRssBytes, managed.peakRssBytes)],
    ]);
  };
  out.push(`train step C${step.baseC} ${step.batch}x3x${step.size}²`, pair('step', step, stepRuns));
  const fwd = { baseC: quick ? 8 : 32, batch: 1, size: quick ? 64 : 256 };
  out.push(`\neval forward C${fwd.baseC} 1x3x${fwd.size}²`, pair('forward', fwd, 5));

  const sizes = quick ? [64, 128, 192] : [256, 512, 768];
  const bySize = sizes.map((size, i) => runChild({ work: 'forward', loop: 'plain', baseC: fwd.baseC, batch: 1, size, runs: i === 2 ? 2 : 3 }));
  const base = median(bySize[0].ms);
  out.push(`\neval forward C${fwd.baseC} (plain) by image size`, table([
    ['size', 'warm ms (median)', 'x 1st size', 'pixels x', 'first ms', 'first / warm', 'peak RSS GB'],
    ...sizes.map((size, i) => {
      const r = bySize[i], warm = median(r.ms);
      return [`${size}²`, ms(warm), ratio(warm, base), ratio(size * size, sizes[0] * sizes[0]), ms(r.firstMs), ratio(r.firstMs, warm), gb(r.peakRssBytes)];
    }),
  ]));
  return out.join('\n');
}
