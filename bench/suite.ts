/**
 * A benchmark suite: one piece of work done by us (under each backend/thread configuration) and, in the same
 * run, by the peer libraries that can do it. Add a suite as a small file in bench/suites/ and list it in
 * bench/suites/index.ts.
 */
import type { BackendName } from '../src/backend/index.js';
import type { PeerLibs } from './peers.js';

export type Work = () => void | Promise<void>;

/** What a peer case is told about the run: `threads` = the thread count of our 'all' rows (peers that can use more than one). */
export interface PeerContext {
  threads: number;
}

/** Set up a peer's inputs (outside the timing) and return its work; `dispose` frees the peer's tensors. */
export type PeerCase = (libs: PeerLibs, ctx: PeerContext) => PeerRun | Promise<PeerRun>;

export interface PeerRun {
  run: Work;
  dispose?: () => void;
}

export interface Config {
  backend: BackendName;
  /** 'all' = every core (or --threads) */
  threads: number | 'all';
}

export interface Suite {
  name: string;
  /** floating-point operations of one run (multiply-add = 2), for GFLOP/s; 0 when it does not apply */
  flops: number;
  /** Build our inputs (outside the timing) and return the work. */
  ours: () => Work;
  /** Configurations to time ours under; default: js and wasm, 1 thread and all threads. */
  configs?: Config[];
  peers: { tfjsCpu?: PeerCase; tfjsWasm?: PeerCase; jax?: PeerCase; ort?: PeerCase };
  /** part of `--quick` */
  quick: boolean;
  /** timed runs (default 10, or 3 with --quick); set it for cheap work that needs many */
  iterations?: number;
  /** untimed runs first (default 2) */
  warmup?: number;
}

export const defaultConfigs: Config[] = [
  { backend: 'js', threads: 1 },
  { backend: 'js', threads: 'all' },
  { backend: 'wasm', threads: 1 },
  { backend: 'wasm', threads: 'all' },
];
