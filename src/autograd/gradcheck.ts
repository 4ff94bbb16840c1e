/**
 * gradcheck: compare the analytic gradient of fn with float64 central differences, as torch.autograd.gradcheck.
 *
 * fn's output y is reduced to the scalar L = Σ v ⊙ y with a fixed random v, so one backward pass gives
 * ∂L/∂x for every input x. Full mode compares every element with (L(x + ε e_j) − L(x − ε e_j)) / 2ε;
 * fast mode (PyTorch's fast_mode) compares the directional derivative along one random direction u per input,
 * ⟨∂L/∂x, u⟩ with (L(x + εu) − L(x − εu)) / 2ε. A pair passes when |analytic − numeric| ≤ atol + rtol·|numeric|.
 * Defaults eps 1e-6, atol 1e-5, rtol 1e-3 are PyTorch's, designed for float64: inputs are cast to float64 here.
 */
import { Tensor } from '../tensor/tensor.js';
import { stridesOf } from '../tensor/shape.js';
import { Generator } from '../tensor/rng.js';
import { backward } from './engine.js';
import { noGrad } from './grad-mode.js';

export interface GradcheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Random-direction mode: one directional derivative per input instead of the full Jacobian. */
  fast?: boolean;
  /** Which inputs to check (default: every float input). */
  wrt?: readonly number[];
  /** Names of the inputs for messages (default "input i"). */
  names?: readonly string[];
  /** Op name for messages (default: the output's gradFn name). */
  name?: string;
  seed?: number;
}

export class GradcheckError extends Error {
  constructor(message: string) {
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

function indexOf(flat: number, shape: readonly number[]): string {
  const s = stridesOf(shape);
  return `[${s.map((st, i) => Math.floor(flat / st) % shape[i]).join(', ')}]`;
}

export function gradcheck(fn: (...xs: Tensor[]) => Tensor, inputs: readonly Tensor[], options: GradcheckOptions = {}): true {
  const eps = options.eps ?? 1e-6;
  const atol = options.atol ?? 1e-5;
  const rtol = options.rtol ?? 1e-3;
  const rng = new Generator(options.seed ?? 0x5eed);
  const wrt = options.wrt ?? inputs.map((t, i) => (t.dtype === 'int32' ? -1 : i)).filter((i) => i >= 0);
  const xs = inputs.map((t, i) => toF64(t, wrt.includes(i)));

  // Analytic: one backward of L = Σ v ⊙ y.
  const y = fn(...xs);
  const opName = options.name ?? y.gradFn?.name ?? 'fn';
  if (y.dtype !== 'float64') throw new GradcheckError(`gradcheck ${opName}: output must be float64 when inputs are, got ${y.dtype}`);
  if (!y.requiresGrad) throw new GradcheckError(`gradcheck ${opName}: output does not require grad (no differentiable input reached it)`);
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
  const close = (a: number, n: number): boolean => Math.abs(a - n) <= atol + rtol * Math.abs(n);
  const fmt = (z: number): string => z.toPrecision(6);

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
      const numeric = (lp - lm) / (2 * eps);
      let analytic = 0;
      for (let j = 0; j < u.length; j++) analytic += g[j] * u[j];
      if (!close(analytic, numeric) || !Number.isFinite(analytic)) {
        throw new GradcheckError(
          `gradcheck ${opName}: ${label(i)} along a random direction: numerical ${fmt(numeric)}, analytical ${fmt(analytic)}`,
        );
      }
      continue;
    }
    for (let j = 0; j < xd.length; j++) {
      const orig = xd[j];
      xd[j] = orig + eps;
      const lp = L();
      xd[j] = orig - eps;
      const lm = L();
      xd[j] = orig;
      const numeric = (lp - lm) / (2 * eps);
      if (!close(g[j], numeric) || !Number.isFinite(g[j])) {
        throw new GradcheckError(
          `gradcheck ${opName}: ${label(i)} at ${indexOf(j, x.shape)}: numerical ${fmt(numeric)}, analytical ${fmt(g[j])}`,
        );
      }
    }
  }
  return true;
}
