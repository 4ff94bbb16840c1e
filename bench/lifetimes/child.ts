/**
 * One measurement of bench/suites/lifetimes.ts, in a process of its own so its peak RSS is its own:
 *   node dist/bench/lifetimes/child.js '{"work":"forward","loop":"plain","baseC":32,"batch":1,"size":256,"runs":3}'
 * work: 'forward' (eval, no grad) or 'step' (forward, CE + Dice, backward, AdamW); loop: 'plain' (what a PyTorch
 * user writes) or 'managed' (tidy / backward({ recycle })). Prints one JSON line: the first call's ms, every later
 * call's ms, and the process's peak RSS in bytes.
 */
import { getHeap, setThreads } from '../../src/backend/index.js';
import { AMSUnet, AdamW, amsunetCriterion, noGrad, tidy, randint, randn, Generator } from '../../src/index.js';

export interface ChildJob {
  work: 'forward' | 'step';
  loop: 'plain' | 'managed';
  baseC: number;
  batch: number;
  size: number;
  /** timed calls after the first */
  runs: number;
}

export interface ChildResult {
  firstMs: number;
  ms: number[];
  peakRssBytes: number;
  /** bytes of the shared WebAssembly heap the process touched (its allocator's high-water mark) */
  heapBytes: number;
}

function main(): void {
  const job = JSON.parse(process.argv[2]) as ChildJob;
  if (process.env.AMSUNET_THREADS) setThreads(Number(process.env.AMSUNET_THREADS)); // bench/size-sweep.ts --threads
  const g = new Generator(0);
  const model = new AMSUnet({ inChannels: 3, numClasses: 2, baseC: job.baseC, generator: g });
  const x = randn([job.batch, 3, job.size, job.size], { generator: g });
  let call: () => void;
  if (job.work === 'forward') {
    model.eval();
    call = job.loop === 'plain'
      ? () => void noGrad(() => model.forward(x))
      : () => tidy(() => noGrad(() => model.forward(x))).release();
  } else {
    model.train();
    const opt = new AdamW(model.parameters(), { lr: 1e-3 });
    const y = randint(0, 2, [job.batch, job.size, job.size], { generator: g });
    call = () => {
      opt.zeroGrad();
      const loss = amsunetCriterion(model.forward(x), y);
      if (job.loop === 'plain') loss.backward();
      else loss.backward(undefined, { recycle: true });
      opt.step();
    };
  }
  const time = (): number => {
    const t0 = performance.now();
    call();
    return performance.now() - t0;
  };
  const firstMs = time();
  const ms: number[] = [];
  for (let i = 0; i < job.runs; i++) ms.push(time());
  const result: ChildResult = { firstMs, ms, peakRssBytes: process.resourceUsage().maxRSS * 1024, heapBytes: getHeap().usage().touchedBytes };
  console.log(JSON.stringify(result));
  process.exit(0); // worker threads keep the process alive
}

main();
