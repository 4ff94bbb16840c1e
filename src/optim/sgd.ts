/**
 * SGD with momentum, dampening, Nesterov momentum and L2 weight decay, as torch.optim.SGD:
 *   g ← g + wd·p
 *   if momentum ≠ 0:  b ← g (first step), else b ← μ·b + (1 − dampening)·g;   g ← nesterov ? g + μ·b : b
 *   p ← p − lr·g
 */
import type { Tensor } from '../tensor/tensor.js';
import type { FloatArray } from '../tensor/dtype.js';
import { ConfigError } from '../tensor/errors.js';
import { Optimizer, type ParamGroup, type ParamGroupInput, type ParamState } from './optimizer.js';

export type SGDOptions = {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
};

export class SGD extends Optimizer<SGDOptions> {
  constructor(params: Iterable<Tensor> | readonly ParamGroupInput<SGDOptions>[], options: Partial<SGDOptions> & { lr: number }) {
    super(params, { momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, ...options });
  }

  get name(): string {
    return 'SGD';
  }

  protected validate(g: ParamGroup<SGDOptions>): void {
    if (!(g.lr >= 0)) throw new ConfigError('SGD', `lr must be >= 0, got ${g.lr}`);
    if (!(g.momentum >= 0)) throw new ConfigError('SGD', `momentum must be >= 0, got ${g.momentum}`);
    if (!(g.weightDecay >= 0)) throw new ConfigError('SGD', `weightDecay must be >= 0, got ${g.weightDecay}`);
    if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) {
      throw new ConfigError('SGD', 'nesterov momentum requires momentum > 0 and dampening = 0');
    }
  }

  protected update(p: FloatArray, grad: FloatArray, st: ParamState, g: ParamGroup<SGDOptions>): void {
    const { lr, momentum: mu, dampening, weightDecay: wd, nesterov } = g;
    const first = !st.buffers.momentum_buffer;
    const buf = mu !== 0 ? this.buffer(st, 'momentum_buffer', p) : null;
    for (let i = 0; i < p.length; i++) {
      let d = grad[i];
      if (wd !== 0) d += wd * p[i];
      if (buf) {
        buf[i] = first ? d : mu * buf[i] + (1 - dampening) * d;
        d = nesterov ? d + mu * buf[i] : buf[i];
      }
      p[i] -= lr * d;
    }
  }
}
