/**
 * Eval forward of AMSUnet over image sizes: is the cost linear in pixels, what does the first call at a new size
 * pay, and how much memory does the process take? Every measurement is a fresh child process
 * (bench/lifetimes/child.ts), so its first call is a true first call and its peak RSS its own.
 *
 *   npm run build && node dist/bench/size-sweep.js [--sizes 256,384,480,512,768] [--repeat 3] [--runs 2]
 *                                                [--base-c 32] [--loop plain|managed] [--threads N]
 *
 * Each size runs --repeat times (in rounds: every size once, then again, so a burst of load on a shared machine
 * hits every size alike); each child does one first call and --runs warm calls. Reported per size: the median
 * over repeats of the first call, of the warm median, and of the peak RSS, plus the heap's final size.
 * Targets (issue 11): 512² <= 4.4x and 768² <= 9.9x the 256² warm time; first <= 1.5x warm; RSS at 512² <= 1 GB.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import type { ChildJob, ChildResult } from './lifetimes/child.js';

const childScript = fileURLToPath(new URL('./lifetimes/child.js', import.meta.url));

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : dflt;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function runChild(job: ChildJob, threads: string): ChildResult {
  const env = threads ? { ...process.env, AMSUNET_THREADS: threads } : process.env;
  const r = spawnSync(process.execPath, [childScript, JSON.stringify(job)], { encoding: 'utf8', maxBuffer: 1 << 20, env });
  if (r.status !== 0) throw new Error(`size-sweep: child failed (${JSON.stringify(job)}): ${r.stderr.trim().split('\n').pop()}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildResult;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')).join('\n');
}

const sizes = arg('sizes', '256,384,480,512,768').split(',').map(Number);
const repeat = Number(arg('repeat', '3'));
const runs = Number(arg('runs', '2'));
const baseC = Number(arg('base-c', '32'));
const loop = arg('loop', 'plain') as ChildJob['loop'];
const threads = arg('threads', '');
if (sizes.some((s) => !Number.isInteger(s) || s < 16) || !(repeat >= 1) || !(runs >= 1) || (loop !== 'plain' && loop !== 'managed')) {
  throw new Error('size-sweep: --sizes a,b,c (integers >= 16), --repeat >= 1, --runs >= 1, --loop plain|managed');
}

console.log(`# AMSUnet C${baseC} eval forward 1x3xS², ${loop} loop, ${repeat} child processes per size, 1 first + ${runs} warm calls each`);
console.log(`machine: ${os.cpus()[0]?.model ?? 'unknown'}, ${os.availableParallelism()} cores; Node ${process.version}; load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
const results = new Map<number, ChildResult[]>(sizes.map((s) => [s, []]));
for (let r = 0; r < repeat; r++) {
  for (const size of sizes) {
    const res = runChild({ work: 'forward', loop, baseC, batch: 1, size, runs }, threads);
    results.get(size)!.push(res);
    process.stderr.write(`  round ${r + 1} ${size}²: first ${res.firstMs.toFixed(0)} ms, warm ${res.ms.map((x) => x.toFixed(0)).join('/')} ms, RSS ${(res.peakRssBytes / 2 ** 30).toFixed(2)} GB\n`);
  }
}
const warm = (s: number) => median(results.get(s)!.map((r) => median(r.ms)));
const base = warm(sizes[0]);
console.log(table([
  ['size', 'warm ms', `x ${sizes[0]}²`, 'pixels x', 'first ms', 'first/warm', 'peak RSS GB', 'heap GB'],
  ...sizes.map((s) => {
    const rs = results.get(s)!, w = warm(s), first = median(rs.map((r) => r.firstMs));
    return [`${s}²`, w.toFixed(0), `${(w / base).toFixed(2)}x`, `${((s * s) / sizes[0] ** 2).toFixed(2)}x`, first.toFixed(0),
      `${(first / w).toFixed(2)}x`, (median(rs.map((r) => r.peakRssBytes)) / 2 ** 30).toFixed(2), (median(rs.map((r) => r.heapBytes)) / 2 ** 30).toFixed(2)];
  }),
]));
console.log(`load average at end: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
