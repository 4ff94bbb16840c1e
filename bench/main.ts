/** The benchmark run (see run.ts for the options). */
import os from 'node:os';
import { getBackend, getThreads, setBackend, setThreads, threadsReady, wasmFeatures } from '../src/backend/index.js';
import { loadPeers, peerLib, type PeerName } from './peers.js';
import { formatSuite, type Row } from './report.js';
import { defaultConfigs } from './suite.js';
import { allSuites } from './suites/index.js';
import { lifetimesReport, lifetimesReportName } from './suites/lifetimes.js';
import { measure } from './timing.js';
import { wasmPeakGflops } from './peak.js';

interface Options {
  quick: boolean;
  threads: number;
  filter: string;
  peers: boolean;
  /** only these peers (--peers ort,tfjsWasm); empty = all */
  only: string[];
}

function parseArgs(argv: string[]): Options {
  const o: Options = { quick: false, threads: os.availableParallelism(), filter: '', peers: true, only: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--relaxed-simd') continue; // handled by run.ts
    if (a === '--quick') o.quick = true;
    else if (a === '--no-peers') o.peers = false;
    else if (a === '--threads') o.threads = Number(argv[++i]);
    else if (a === '--filter') o.filter = argv[++i] ?? '';
    else if (a === '--peers') o.only = (argv[++i] ?? '').split(',').filter(Boolean);
    else throw new Error(`bench: unknown argument '${a}' (use --quick, --threads N, --filter text, --no-peers, --peers ort,tfjsCpu,tfjsWasm,jax, --relaxed-simd)`);
  }
  if (!Number.isInteger(o.threads) || o.threads < 1) throw new Error(`bench: --threads must be a positive integer`);
  return o;
}

const peerLabels: Record<PeerName, string> = { tfjsCpu: 'tfjs-cpu', tfjsWasm: 'tfjs-wasm', jax: 'jax-js', ort: 'onnxruntime-node' };
/** peers that run on our thread count; the others on one thread */
const threadedPeers: ReadonlySet<PeerName> = new Set(['ort']);

/**
 * After the thread count changed (a new worker pool), run the work for SETTLE_MS before timing it: each new worker
 * compiles its kernels, and V8 tiers the hot ones up in background threads, which on a 2-core machine compete with
 * the timed runs for a second or so (a 2-thread SGEMM 512³ timed right after the switch ran at the 1-thread speed).
 */
const SETTLE_MS = 1500;

async function settle(work: () => unknown): Promise<void> {
  await threadsReady();
  const end = performance.now() + SETTLE_MS;
  do await work(); while (performance.now() < end);
}

export async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const f = wasmFeatures();
  console.log(`# amsunet-ts benchmarks${o.quick ? ' (--quick)' : ''}`);
  console.log(`machine: ${os.cpus()[0]?.model ?? 'unknown'}, ${os.availableParallelism()} cores; Node ${process.version}; ` +
    `threads: ${o.threads}; wasm SIMD ${f.simd ? 'yes' : 'no'}, relaxed SIMD ${f.relaxedSimd ? 'yes' : 'no'}`);
  if (f.simd) {
    const plain = wasmPeakGflops(false), relaxed = f.relaxedSimd ? wasmPeakGflops(true) : null;
    console.log(`wasm SIMD128 ceiling per thread (bench/peak.ts): mul+add ${plain.toFixed(1)} GFLOP/s` +
      (relaxed ? `, relaxed madd ${relaxed.toFixed(1)}` : '') + `; x ${o.threads} threads: ${(plain * o.threads).toFixed(0)}` +
      (relaxed ? ` / ${(relaxed * o.threads).toFixed(0)}` : ''));
  }
  console.log(`load average at start: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const peers = o.peers ? await loadPeers() : null;
  const defaultBackend = getBackend();

  for (const suite of allSuites(o.quick)) {
    if (o.quick && !suite.quick) continue;
    if (o.filter && !suite.name.includes(o.filter)) continue;
    const iterations = suite.iterations ?? (o.quick ? 3 : 10);
    const rows: Row[] = [];
    const work = suite.ours();
    for (const c of suite.configs ?? defaultConfigs) {
      const threads = c.threads === 'all' ? o.threads : c.threads;
      if (c.threads === 'all' && threads === 1) continue;
      setBackend(c.backend);
      const freshPool = threads !== getThreads();
      setThreads(threads);
      if (freshPool) await settle(work);
      rows.push({ label: `ours ${c.backend} ${threads}T`, timing: await measure(suite.name, work, iterations, suite.warmup ?? 2), peer: false });
    }
    setBackend(defaultBackend);
    for (const name of ['ort', 'tfjsCpu', 'tfjsWasm', 'jax'] as const) {
      if (o.only.length && !o.only.includes(name)) continue;
      const make = suite.peers[name];
      const label = `${peerLabels[name]} ${threadedPeers.has(name) ? o.threads : 1}T`;
      if (!peers || Object.keys(suite.peers).length === 0) continue;
      if (!make) {
        if (name === 'ort') continue; // an anchor only where a suite names it
        rows.push({ label, timing: null, note: 'cannot do this work', peer: true });
        continue;
      }
      if (peers.missing[name] || !peers.libs[peerLib[name]]) {
        rows.push({ label, timing: null, note: peers.missing[name] ?? 'not loaded', peer: true });
        continue;
      }
      try {
        if (name !== 'jax' && !(await peers.useTfBackend(name === 'tfjsCpu' ? 'cpu' : 'wasm'))) throw new Error('backend did not start');
        const peerCase = await make(peers.libs as Required<typeof peers.libs>, { threads: o.threads });
        // tfjs-cpu is 50-100x slower than the rest: fewer runs (1 with --quick)
        const peerIterations = name === 'tfjsCpu' ? Math.min(iterations, o.quick ? 1 : 3) : iterations;
        rows.push({ label, timing: await measure(`${suite.name} ${label}`, peerCase.run, peerIterations, 1), peer: true });
        peerCase.dispose?.();
      } catch (e) {
        rows.push({ label, timing: null, note: `failed: ${(e as Error).message.split('\n')[0]}`, peer: true });
      }
    }
    console.log(`\n${formatSuite(suite.name, suite.flops, rows)}`);
    const anchor = rows.find((r) => r.label.startsWith(peerLabels.ort) && r.timing);
    for (const r of anchor ? rows.filter((x) => !x.peer && x.timing) : []) {
      console.log(`${r.label} takes ${(r.timing!.ms / anchor!.timing!.ms).toFixed(2)}x the time of ${anchor!.label} (same run)`);
    }
  }
  if (!o.filter || lifetimesReportName.includes(o.filter)) console.log(`\n${lifetimesReport(o.quick)}`); // child processes
  console.log(`\nload average at end: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}; ${((Date.now() - started) / 1000).toFixed(0)} s`);
  process.exit(0); // peers keep handles open
}

