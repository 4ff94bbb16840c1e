/**
 * gradcheck: compare the analytic gradient of fn with float64 central differences, as torch.autograd.gradcheck,
 * and when they disagree, find the op in fn's graph whose own backward is wrong (src/autograd/culprit.ts).
 *
 * fn's output y is reduced to the scalar L = ⟨v, y⟩ with a random cotangent v (random, not all ones: a backward
 * that permutes or rescales gy must fail), so one backward pass gives ∂L/∂x for every input x.
 * Full mode compares every element with (L(x + ε e_j) − L(x − ε e_j)) / 2ε. Fast mode (PyTorch's fast_mode)
 * compares vᵀJu for one random direction u per input: ⟨∂L/∂x, u⟩ with (L(x + εu) − L(x − εu)) / 2ε.
 * A pair passes when |analytical − numerical| ≤ atol + rtol·|numerical|. Every checked input is compared.
 * Defaults eps 1e-6, atol 1e-5, rtol 1e-3 are PyTorch's, designed for float64: inputs are cast to float64 here
 * (checkFloat32 checks the float32 kernels).
 *
 * On failure a GradcheckError says where the function's gradient is wrong and which op is at fault:
 *   gradcheck conv2d: input 0 (x) at [0, 1, 2, 3]: numerical 0.418370, analytical 0.411020 (eps 1e-6, atol 1e-5, rtol 1e-3)
 *     culprit: 'leakyScale' (node 2 of 5) is wrong for input 0 (x) at [0, 1, 0, 2]: numerical 1.00000, analytical 2.00000
 */
import { Tensor } from '../tensor/tensor.js';
import { stridesOf } from '../tensor/shape.js';
import { ConfigError } from '../tensor/errors.js';
import { Generator } from '../tensor/rng.js';
import { backward } from './engine.js';
import { noGrad } from './grad-mode.js';
import { findCulprit, type Culprit } from './culprit.js';

export type { Culprit } from './culprit.js';

export interface GradcheckOptions {
  /** Central-difference step (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
  /** Relative tolerance (default 1e-3). */
  rtol?: number;
  /** Random-direction mode: vᵀJu for one random u per input instead of the full Jacobian. */
  fast?: boolean;
  /** Which inputs to check (default: every float input). */
  wrt?: readonly number[];
  /** Names of the inputs for messages (default "input i"). */
  names?: readonly string[];
  /** Name of the checked function for messages (default: the output's op name). */
  name?: string;
  seed?: number;
  /** On failure, look for the op at fault (default true; it replays fn many times). */
  locate?: boolean;
}

/** Where the gradient of the checked function is wrong, and (when found) the op at fault. */
export class GradcheckError extends Error {
  constructor(
    message: string,
    /** The checked function's input, as labelled in the message ("input 1 (weight)"). */
    readonly input: string,
    /** The element of that input ([] in fast mode, which compares one random direction). */
    readonly index: readonly number[] | null,
    readonly numerical: number,
    readonly analytical: number,
    readonly tolerances: { readonly eps: number; readonly atol: number; readonly rtol: number },
    /** The first op (in recording order) whose own backward disagrees with its own Jacobian, or null. */
    readonly culprit: Culprit | null,
  ) {
    super(message);
    this.name = 'GradcheckError';
  }
}

function toF64(t: Tensor, requiresGrad: boolean): Tensor {
  if (t.dtype === 'int32') return t;
  const out = new Tensor(Float64Array.from(t.data), t.shape);
  if (requiresGrad) out.requiresGrad_(true);
  return out;
}

function unravel(flat: number, shape: readonly number[]): number[] {
  const s = stridesOf(shape);
  return s.map((st, i) => Math.floor(flat / st) % shape[i]);
}

const fmt = (z: number): string => z.toPrecision(6);
/** 1e-6 rather than 0.000001 */
const fmtTol = (z: number): string => (z !== 0 && Math.abs(z) < 1e-3 ? z.toExponential() : String(z));
const fmtIndex = (ix: readonly number[]): string => `[${ix.join(', ')}]`;

function describeCulprit(c: Culprit | null, located: boolean): string {
  if (!located) return '';
  if (!c) {
    return "\n  no single op found at fault: every recorded op's backward agrees with its own numerical Jacobian and no untracked path was seen";
  }
  const where = `'${c.op}' (node ${c.node} of ${c.nodes})`;
  const input = c.inputName ? `input ${c.input} (${c.inputName})` : `input ${c.input}`;
  if (c.kind === 'untracked') {
    return `\n  culprit: ${input} of ${where} changes with ${c.source} through a path the graph does not record (detach, noGrad or .data), so no gradient flows along it; every recorded op's backward is right`;
  }
  if (c.detail) return `\n  culprit: ${where}, ${input}: ${c.detail}`;
  const at = c.index ? ` at ${fmtIndex(c.index)}` : ' along a random direction';
  return `\n  culprit: ${where} is wrong for ${input}${at}: numerical ${fmt(c.numerical!)}, analytical ${fmt(c.analytical!)}`;
}

export function gradcheck(fn: (...xs: Tensor[]) => Tensor, inputs: readonly Tensor[], options: GradcheckOptions = {}): true {
  const eps = options.eps ?? 1e-6;
  const atol = options.atol ?? 1e-5;
  const rtol = options.rtol ?? 1e-3;
  const seed = options.seed ?? 0x5eed;
  const rng = new Generator(seed);
  const wrt = options.wrt ?? inputs.map((t, i) => (t.dtype === 'int32' ? -1 : i)).filter((i) => i >= 0);
  const xs = inputs.map((t, i) => toF64(t, wrt.includes(i)));

  // Analytical: one backward of L = ⟨v, y⟩.
  const y = fn(...xs);
  const opName = options.name ?? y.gradFn?.name ?? 'fn';
  if (y.dtype !== 'float64') throw new ConfigError(`gradcheck ${opName}`, `output must be float64 when inputs are, got ${y.dtype}`);
  if (!y.requiresGrad) throw new ConfigError(`gradcheck ${opName}`, `output does not require grad (no differentiable input reached it)`);
  const v = new Float64Array(y.size);
  for (let i = 0; i < v.length; i++) v[i] = rng.normal();
  backward(y, new Tensor(v, y.shape));

  const L = (): number =>
    noGrad(() => {
      const out = fn(...xs).data;
      let s = 0;
      for (let i = 0; i < out.length; i++) s += v[i] * out[i];
      return s;
    });
  const label = (i: number): string => (options.names?.[i] ? `input ${i} (${options.names[i]})` : `input ${i}`);
  const close = (a: number, n: number): boolean => Math.abs(a - n) <= atol + rtol * Math.abs(n) && Number.isFinite(a);
  const fail = (i: number, index: number[] | null, numerical: number, analytical: number): never => {
    const at = index ? `at ${fmtIndex(index)}` : 'along a random direction';
    const head = `gradcheck ${opName}: ${label(i)} ${at}: numerical ${fmt(numerical)}, analytical ${fmt(analytical)} (eps ${fmtTol(eps)}, atol ${fmtTol(atol)}, rtol ${fmtTol(rtol)})`;
    const locate = options.locate ?? true;
    // the culprit search replays fn on fresh float64 copies that require grad as xs do
    const culprit = locate ? findCulprit(fn, xs, { eps, atol, rtol, seed: seed + 1, label, wrt }) : null;
    throw new GradcheckError(head + describeCulprit(culprit, locate), label(i), index, numerical, analytical, { eps, atol, rtol }, culprit);
  };

  for (const i of wrt) {
    const x = xs[i];
    const xd = x.data as Float64Array;
    const g = x.grad ? (x.grad.data as Float64Array) : new Float64Array(x.size); // no grad = all zeros
    if (options.fast) {
      const u = new Float64Array(x.size);
      for (let j = 0; j < u.length; j++) u[j] = rng.normal();
      const x0 = Float64Array.from(xd);
      for (let j = 0; j < u.length; j++) xd[j] = x0[j] + eps * u[j];
      const lp = L();
      for (let j = 0; j < u.length; j++) xd[j] = x0[j] - eps * u[j];
      const lm = L();
      xd.set(x0);
      const numerical = (lp - lm) / (2 * eps);
      let analytical = 0;
      for (let j = 0; j < u.length; j++) analytical += g[j] * u[j];
      if (!close(analytical, numerical)) fail(i, null, numerical, analytical);
      continue;
    }
    for (let j = 0; j < xd.length; j++) {
      const orig = xd[j];
      xd[j] = orig + eps;
      const lp = L();
      xd[j] = orig - eps;
      const lm = L();
      xd[j] = orig;
      const numerical = (lp - lm) / (2 * eps);
      if (!close(g[j], numerical)) fail(i, unravel(j, x.shape), numerical, g[j]);
    }
  }
  return true;
}
