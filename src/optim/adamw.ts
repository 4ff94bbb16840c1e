/**
 * AdamW (torch.optim.AdamW): Adam with decoupled weight decay, p ← p·(1 − lr·wd) before the Adam update
 * (see adam.ts for the full formula). Defaults as PyTorch: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weightDecay 1e-2.
 */
import type { Tensor } from '../tensor/tensor.js';
import type { ParamGroupInput } from './optimizer.js';
import { Adam, type AdamOptions } from './adam.js';

export class AdamW extends Adam {
  protected override readonly decoupled: boolean = true;

  constructor(params: Iterable<Tensor> | readonly ParamGroupInput<AdamOptions>[], options: Partial<AdamOptions> = {}) {
    super(params, { weightDecay: 1e-2, ...options });
  }

  override get name(): string {
    return 'AdamW';
  }
}
