/** Timing with tinybench: a few warmup runs, then `iterations` timed runs; we report the median. */
import { Bench } from 'tinybench';
import type { Work } from './suite.js';

export interface Timing {
  /** median ms */
  ms: number;
  /** fastest and slowest run, ms: the spread shows the noise */
  min: number;
  max: number;
  runs: number;
}

export async function measure(name: string, work: Work, iterations: number, warmup: number): Promise<Timing> {
  const bench = new Bench({ iterations, time: 0, warmupIterations: warmup, warmupTime: 0, throws: true });
  bench.add(name, work);
  const [task] = await bench.run();
  const r = task.result;
  if (r.state !== 'completed') throw new Error(`bench ${name}: ${r.state}`);
  return { ms: r.latency.p50, min: r.latency.min, max: r.latency.max, runs: r.latency.samplesCount ?? iterations };
}
