/**
 * Learning-rate schedules as PyTorch's LambdaLR: each group's lr = its base lr · f(s), where s counts scheduler
 * steps. f(0) is applied when the scheduler is created, so it is in effect for the very first optimizer step;
 * call `scheduler.step()` after every `optimizer.step()` (the official recipe steps per iteration, not per epoch).
 *
 * The factor functions (warmupPoly, cosine, constant) are plain `(step) => factor` functions; the scheduler's
 * saved state is the step count and the base lrs, as PyTorch's (the function itself is code, not state).
 */
import { ConfigError } from '../tensor/errors.js';
import type { OptimizerLike } from './optimizer.js';

export type LrLambda = (step: number) => number;

export interface LambdaLRState {
  lastStep: number;
  baseLrs: number[];
}

export class LambdaLR {
  /** Number of step() calls so far (PyTorch's last_epoch). */
  lastStep = 0;
  readonly baseLrs: number[];

  constructor(
    readonly optimizer: OptimizerLike,
    readonly lrLambda: LrLambda,
  ) {
    this.baseLrs = optimizer.paramGroups.map((g) => g.lr);
    this.#apply();
  }

  /** Advance one step and set every group's lr to base · f(step). */
  step(): void {
    this.lastStep += 1;
    this.#apply();
  }

  /** The current lr of each group. */
  getLastLr(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  #apply(): void {
    const f = this.lrLambda(this.lastStep);
    if (!Number.isFinite(f)) throw new ConfigError('LambdaLR', `the schedule gave a non-finite factor ${f} at step ${this.lastStep}`);
    this.optimizer.paramGroups.forEach((g, i) => (g.lr = this.baseLrs[i] * f));
  }

  stateDict(): LambdaLRState {
    return { lastStep: this.lastStep, baseLrs: [...this.baseLrs] };
  }

  loadStateDict(state: LambdaLRState): void {
    if (state.baseLrs.length !== this.baseLrs.length) {
      throw new ConfigError('LambdaLR.loadStateDict', `state has ${state.baseLrs.length} base lrs, the optimizer ${this.baseLrs.length} groups`);
    }
    this.lastStep = state.lastStep;
    this.baseLrs.splice(0, this.baseLrs.length, ...state.baseLrs);
    this.#apply();
  }
}

export interface WarmupPolyOptions {
  /** Optimizer steps per epoch (the official `num_step` = len(train_loader)). */
  itersPerEpoch: number;
  epochs: number;
  warmup?: boolean;
  warmupEpochs?: number;
  warmupFactor?: number;
  power?: number;
}

/**
 * The official recipe's schedule (`create_lr_scheduler` in train_and_eval.py), with W = warmupEpochs·itersPerEpoch
 * warm-up steps (0 without warm-up) and T = epochs·itersPerEpoch:
 *   s ≤ W:  f(s) = warmupFactor·(1 − α) + α,  α = s / W           (linear from warmupFactor to 1)
 *   s > W:  f(s) = (1 − (s − W) / (T − W))^power                 (poly decay to 0 at s = T)
 * Past s = T the base goes negative; the official Python code then raises a negative float to 0.9, which gives a
 * complex number and breaks the optimizer. Here the base is clamped at 0, so extra steps keep lr = 0.
 */
export function warmupPoly(options: WarmupPolyOptions): LrLambda {
  const { itersPerEpoch, epochs, warmup = true, warmupFactor = 1e-3, power = 0.9 } = options;
  const warmupEpochs = warmup ? (options.warmupEpochs ?? 1) : 0;
  if (!(Number.isInteger(itersPerEpoch) && itersPerEpoch > 0)) throw new ConfigError('warmupPoly', `itersPerEpoch must be a positive integer, got ${itersPerEpoch}`);
  if (!(Number.isInteger(epochs) && epochs > 0)) throw new ConfigError('warmupPoly', `epochs must be a positive integer, got ${epochs}`);
  if (!(warmupEpochs >= 0 && warmupEpochs < epochs)) throw new ConfigError('warmupPoly', `warmupEpochs (${warmupEpochs}) must be in [0, epochs = ${epochs})`);
  const warm = warmupEpochs * itersPerEpoch;
  const decay = (epochs - warmupEpochs) * itersPerEpoch;
  return (s) => {
    if (warmup && s <= warm) {
      const alpha = s / warm;
      return warmupFactor * (1 - alpha) + alpha;
    }
    return Math.max(0, 1 - (s - warm) / decay) ** power;
  };
}

export interface CosineOptions {
  /** Total scheduler steps; the factor reaches minFactor there and stays. */
  totalSteps: number;
  /** Linear warm-up steps from warmupFactor to 1 (default 0). */
  warmupSteps?: number;
  warmupFactor?: number;
  minFactor?: number;
}

/** Cosine annealing: f(s) = min + (1 − min)·(1 + cos(π·(s − W)/(T − W)))/2 after an optional linear warm-up. */
export function cosine(options: CosineOptions): LrLambda {
  const { totalSteps, warmupSteps = 0, warmupFactor = 1e-3, minFactor = 0 } = options;
  if (!(Number.isInteger(totalSteps) && totalSteps > 0)) throw new ConfigError('cosine', `totalSteps must be a positive integer, got ${totalSteps}`);
  if (!(Number.isInteger(warmupSteps) && warmupSteps >= 0 && warmupSteps < totalSteps)) {
    throw new ConfigError('cosine', `warmupSteps must be an integer in [0, totalSteps = ${totalSteps}), got ${warmupSteps}`);
  }
  return (s) => {
    if (s < warmupSteps) {
      const alpha = s / warmupSteps;
      return warmupFactor * (1 - alpha) + alpha;
    }
    const t = Math.min(1, (s - warmupSteps) / (totalSteps - warmupSteps));
    return minFactor + ((1 - minFactor) * (1 + Math.cos(Math.PI * t))) / 2;
  };
}

/** A constant factor (default 1): the lr stays at its base value. */
export function constant(factor = 1): LrLambda {
  return () => factor;
}
