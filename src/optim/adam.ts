/**
 * Adam (torch.optim.Adam, single-tensor path), with L2 weight decay added to the gradient, or — when
 * `decoupled` (AdamW) — decoupled weight decay applied to the parameter first. Per element, at step t:
 *   AdamW:  p ← p·(1 − lr·wd)                       Adam: g ← g + wd·p
 *   m ← m + (1 − β1)·(g − m)                        (torch's lerp; = β1·m + (1 − β1)·g)
 *   v ← β2·v + (1 − β2)·g²
 *   v̂ ← amsgrad ? max(v̂, v) : v
 *   p ← p − (lr / (1 − β1^t)) · m / (√v̂ / √(1 − β2^t) + eps)     (eps added after the bias-corrected sqrt)
 */
import type { Tensor } from '../tensor/tensor.js';
import type { FloatArray } from '../tensor/dtype.js';
import { ConfigError } from '../tensor/errors.js';
import { Optimizer, type ParamGroup, type ParamGroupInput, type ParamState } from './optimizer.js';
import type { AdamStep } from '../kernels/adam.js';
import { adamUpdate } from '../backend/dispatch/optim.js';

export type AdamOptions = {
  lr: number;
  betas: readonly [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
};

export class Adam extends Optimizer<AdamOptions> {
  /** Decoupled weight decay (AdamW) instead of L2 regularisation. */
  protected readonly decoupled: boolean = false;

  constructor(params: Iterable<Tensor> | readonly ParamGroupInput<AdamOptions>[], options: Partial<AdamOptions> = {}) {
    super(params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, ...options });
  }

  get name(): string {
    return 'Adam';
  }

  protected validate(g: ParamGroup<AdamOptions>): void {
    if (!(g.lr >= 0)) throw new ConfigError(this.name, `lr must be >= 0, got ${g.lr}`);
    if (!(g.eps >= 0)) throw new ConfigError(this.name, `eps must be >= 0, got ${g.eps}`);
    const [b1, b2] = g.betas;
    if (!(b1 >= 0 && b1 < 1) || !(b2 >= 0 && b2 < 1)) throw new ConfigError(this.name, `betas must be in [0, 1), got [${b1}, ${b2}]`);
    if (!(g.weightDecay >= 0)) throw new ConfigError(this.name, `weightDecay must be >= 0, got ${g.weightDecay}`);
  }

  protected update(p: FloatArray, grad: FloatArray, st: ParamState, g: ParamGroup<AdamOptions>): void {
    const { lr, eps, weightDecay: wd, amsgrad } = g;
    const [b1, b2] = g.betas;
    const m = this.buffer(st, 'exp_avg', p);
    const v = this.buffer(st, 'exp_avg_sq', p);
    const vMax = amsgrad ? this.buffer(st, 'max_exp_avg_sq', p) : null;
    const step: AdamStep = {
      stepSize: lr / (1 - b1 ** st.step),
      bc2Sqrt: Math.sqrt(1 - b2 ** st.step),
      decay: this.decoupled ? 1 - lr * wd : 1,
      l2: this.decoupled ? 0 : wd,
      b1, b2, eps,
    };
    adamUpdate(p, grad, m, v, vMax, step); // the loop: kernels/adam.ts
  }
}
