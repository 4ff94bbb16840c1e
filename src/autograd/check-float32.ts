/**
 * checkFloat32: run an op's float32 forward and backward on every available backend (js, wasm) and thread count
 * and compare each result with float64, in units of float32 rounding. gradcheck guards the maths in float64;
 * this guards the float32 kernels that training actually runs (WebAssembly SIMD, the worker pool).
 *
 * Reference: the same op in float64 on the same numbers (inputs and cotangent rounded to float32 first, so input
 * rounding is not counted). Bound, for every output element i and every gradient element j of input a:
 *   |y32_i − y64_i|  ≤ k·u·(|y64_i| + Σ_j |J_ij|·|x_j|)        (Σ over all float inputs: the sum's terms)
 *   |g32_j − g64_j|  ≤ k·u·(|g64_j| + Σ_i |gy_i|·|J_ij|)        (g = Jᵀgy, the terms of that sum)
 * with u = 2⁻²⁴ (float32 unit roundoff) and J the op's float64 Jacobian (from its backward, one output element
 * at a time: meant for test-sized inputs). A sum of n terms computed in any order is within (n−1)·u·Σ|terms| of
 * the exact sum, so k is the number of roundings one result may accumulate; the report gives the worst ratio
 * error / (u·scale), so "worst 3.2" means 3.2 roundings' worth.
 */
import { Tensor } from '../tensor/tensor.js';
import { ConfigError } from '../tensor/errors.js';
import { stridesOf } from '../tensor/shape.js';
import { Generator } from '../tensor/rng.js';
import { backward } from './engine.js';
import { type BackendName, getBackend, setBackend, getThreads, setThreads, wasmFeatures } from '../backend/index.js';

/** Float32 unit roundoff, 2⁻²⁴. */
export const FLOAT32_UNIT_ROUNDOFF = 2 ** -24;

export interface CheckFloat32Options {
  /** Backends to run (default: 'js', and 'wasm' where WebAssembly SIMD and shared memory are available). */
  backends?: readonly BackendName[];
  /** Thread counts to run (default [1, 2]). */
  threads?: readonly number[];
  /** Roundings allowed per result (default 32). */
  k?: number;
  /** Which inputs get gradients (default every float input); the others are frozen. */
  wrt?: readonly number[];
  /** Names of the inputs for messages. */
  names?: readonly string[];
  /** Name of the op for messages (default: the output's op name). */
  name?: string;
  seed?: number;
  /** Largest output (elements) whose Jacobian is formed (default 4096). */
  maxOutput?: number;
}

/** The worst element of one comparison. */
export interface Float32Worst {
  /** error / (u·scale): how many float32 roundings the error is worth. */
  readonly ratio: number;
  /** 'output' or 'gradient of input i'. */
  readonly what: string;
  readonly index: readonly number[];
  readonly backend: BackendName;
  readonly threads: number;
  readonly float32: number;
  readonly float64: number;
  /** u·scale: one rounding at this element. */
  readonly unit: number;
}

export interface Float32Report {
  /** The worst element over every backend, thread count, output and gradient. */
  readonly worst: Float32Worst;
  /** Every backend and thread count that ran. */
  readonly runs: readonly { backend: BackendName; threads: number }[];
  readonly k: number;
}

export class Float32CheckError extends Error {
  constructor(message: string, readonly report: Float32Report) {
    super(message);
    this.name = 'Float32CheckError';
  }
}

const unravel = (flat: number, shape: readonly number[]): number[] => stridesOf(shape).map((st, i) => Math.floor(flat / st) % shape[i]);

function leaf(t: Tensor, Arr: typeof Float32Array | typeof Float64Array, grad: boolean): Tensor {
  if (t.dtype === 'int32') return t;
  const out = new Tensor(Arr.from(Float32Array.from(t.data)), t.shape); // float32 values in either dtype
  return grad ? out.requiresGrad_(true) : out;
}

/** Output and input gradients of op at the given precision, with cotangent gy. */
function run(op: (...xs: Tensor[]) => Tensor, inputs: readonly Tensor[], wrt: readonly number[], Arr: typeof Float32Array | typeof Float64Array, gy: Float32Array) {
  const xs = inputs.map((t, i) => leaf(t, Arr, wrt.includes(i)));
  const y = op(...xs);
  const out = Float64Array.from(y.data);
  if (!y.requiresGrad) throw new ConfigError('checkFloat32', 'the output does not require grad (no input in wrt reaches it)');
  backward(y, new Tensor(y.dtype === 'float32' ? Float32Array.from(gy) : Float64Array.from(gy), y.shape));
  return { out, shape: y.shape, grads: wrt.map((i) => Float64Array.from(xs[i].grad ? xs[i].grad!.data : new Float64Array(xs[i].size))) };
}

export function checkFloat32(op: (...xs: Tensor[]) => Tensor, inputs: readonly Tensor[], options: CheckFloat32Options = {}): Float32Report {
  const k = options.k ?? 32;
  const u = FLOAT32_UNIT_ROUNDOFF;
  const wasm = wasmFeatures().simd && wasmFeatures().sharedMemory;
  const backends = options.backends ?? (wasm ? ['js', 'wasm'] : ['js']);
  const threadCounts = options.threads ?? [1, 2];
  const wrt = options.wrt ?? inputs.flatMap((t, i) => (t.dtype === 'int32' ? [] : [i]));
  const label = (i: number): string => (options.names?.[i] ? `input ${i} (${options.names[i]})` : `input ${i}`);
  const floats = inputs.flatMap((t, i) => (t.dtype === 'int32' ? [] : [i]));

  // Reference in float64 and its Jacobian rows (one backward per output element, w.r.t. every float input).
  const probe = inputs.map((t) => leaf(t, Float64Array, t.dtype !== 'int32'));
  const y64 = op(...probe);
  const name = options.name ?? y64.gradFn?.name ?? 'op';
  const m = y64.size;
  if (m > (options.maxOutput ?? 4096)) throw new ConfigError(`checkFloat32 ${name}`, `forms the Jacobian one output element at a time: ${m} outputs is more than maxOutput`);
  const rng = new Generator(options.seed ?? 0xf32);
  const gy = new Float32Array(m);
  for (let i = 0; i < m; i++) gy[i] = rng.normal();
  const ref = run(op, inputs, wrt, Float64Array, gy);

  // Forward scale: |y_i| + Σ_j |J_ij||x_j|; gradient scale of input a: |g_j| + Σ_i |gy_i||J_ij|.
  const fwdScale = Float64Array.from(ref.out, Math.abs);
  const gradScale = ref.grads.map((g) => Float64Array.from(g, Math.abs));
  const onehot = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    for (const t of probe) t.grad = null;
    onehot.fill(0);
    onehot[i] = 1;
    backward(y64, new Tensor(Float64Array.from(onehot), y64.shape), { retainGraph: true });
    for (const a of floats) {
      const row = probe[a].grad?.data;
      if (!row) continue;
      const x = probe[a].data;
      let s = 0;
      for (let j = 0; j < row.length; j++) s += Math.abs(row[j] * x[j]);
      fwdScale[i] += s;
      const w = wrt.indexOf(a);
      if (w >= 0) for (let j = 0; j < row.length; j++) gradScale[w][j] += Math.abs(gy[i] * row[j]);
    }
  }

  const prevBackend = getBackend();
  const prevThreads = getThreads();
  const found: { worst: Float32Worst | null } = { worst: null };
  const runs: { backend: BackendName; threads: number }[] = [];
  const compare = (got: Float64Array, want: Float64Array, scale: Float64Array, shape: readonly number[], what: string, backend: BackendName, threads: number): void => {
    for (let j = 0; j < got.length; j++) {
      const err = Math.abs(got[j] - want[j]);
      const unit = u * scale[j];
      const ratio = err === 0 ? 0 : Number.isFinite(err) ? err / unit : Infinity;
      const worst = found.worst;
      if (!worst || ratio > worst.ratio || (Number.isNaN(ratio) && !Number.isNaN(worst.ratio))) {
        found.worst = { ratio, what, index: unravel(j, shape), backend, threads, float32: got[j], float64: want[j], unit };
      }
    }
  };
  try {
    for (const backend of backends) {
      for (const threads of threadCounts) {
        setBackend(backend);
        setThreads(threads);
        runs.push({ backend, threads });
        const r = run(op, inputs, wrt, Float32Array, gy);
        compare(r.out, ref.out, fwdScale, ref.shape, 'output', backend, threads);
        r.grads.forEach((g, w) => compare(g, ref.grads[w], gradScale[w], inputs[wrt[w]].shape, `gradient of ${label(wrt[w])}`, backend, threads));
      }
    }
  } finally {
    setBackend(prevBackend);
    setThreads(prevThreads);
  }
  const none: Float32Worst = { ratio: 0, what: 'output', index: [], backend: backends[0], threads: threadCounts[0], float32: 0, float64: 0, unit: 0 };
  const report: Float32Report = { worst: found.worst ?? none, runs, k };
  const w = report.worst;
  if (!(w.ratio <= k)) {
    throw new Float32CheckError(
      `checkFloat32 ${name}: ${w.what} at [${w.index.join(', ')}] on ${w.backend} with ${w.threads} thread${w.threads > 1 ? 's' : ''}: ` +
        `float32 ${w.float32.toPrecision(9)}, float64 ${w.float64.toPrecision(9)}, error ${w.ratio.toPrecision(3)} roundings (bound ${k}; one rounding here is ${w.unit.toPrecision(3)})`,
      report,
    );
  }
  return report;
}
