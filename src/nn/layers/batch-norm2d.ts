/**
 * BatchNorm2d, as torch.nn.BatchNorm2d: parameters weight (γ, init 1) and bias (β, init 0), buffers running_mean
 * (0), running_var (1) and num_batches_tracked (int, 0-dim), registered in PyTorch's order.
 * Train mode normalises with the batch mean and biased variance and updates the running stats in place
 * (running_var with the unbiased variance), counting the forward in num_batches_tracked; eval mode uses the
 * running stats. momentum = null gives the cumulative average (momentum 1/num_batches_tracked), as PyTorch.
 * Shape: [N, C, H, W] → [N, C, H, W].
 */
import { Tensor } from '../../tensor/tensor.js';
import { zeros, ones } from '../../tensor/create.js';
import { ConfigError } from '../../tensor/errors.js';
import { batchNorm2d } from '../../ops/index.js';
import { Module } from '../module.js';
import { isFoldedAway } from '../fuse-batchnorm.js';

export interface BatchNorm2dLayerOptions {
  eps?: number;
  momentum?: number | null;
  /** Learnable γ and β (default true). */
  affine?: boolean;
  /** Keep running statistics (default true); without them, batch statistics are used in eval mode too. */
  trackRunningStats?: boolean;
}

export class BatchNorm2d extends Module {
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly runningMean: Tensor | null;
  readonly runningVar: Tensor | null;
  readonly numBatchesTracked: Tensor | null;
  readonly eps: number;
  readonly momentum: number | null;

  constructor(
    readonly numFeatures: number,
    o: BatchNorm2dLayerOptions = {},
  ) {
    super();
    if (!(Number.isInteger(numFeatures) && numFeatures > 0)) {
      throw new ConfigError('BatchNorm2d', `numFeatures must be a positive integer, got ${numFeatures}`);
    }
    this.eps = o.eps ?? 1e-5;
    this.momentum = o.momentum === undefined ? 0.1 : o.momentum;
    const affine = o.affine ?? true;
    this.weight = affine ? this.param('weight', ones([numFeatures])) : null;
    this.bias = affine ? this.param('bias', zeros([numFeatures])) : null;
    const track = o.trackRunningStats ?? true;
    this.runningMean = track ? this.buffer('running_mean', zeros([numFeatures])) : null;
    this.runningVar = track ? this.buffer('running_var', ones([numFeatures])) : null;
    this.numBatchesTracked = track ? this.buffer('num_batches_tracked', zeros([], { dtype: 'int32' })) : null;
  }

  forward(x: Tensor): Tensor {
    if (isFoldedAway(this)) return x; // merged into its conv, inside a model's folded eval forward
    let momentum = this.momentum ?? 0;
    if (this.training && this.numBatchesTracked) {
      this.numBatchesTracked.data[0] += 1;
      if (this.momentum === null) momentum = 1 / this.numBatchesTracked.data[0];
    }
    return batchNorm2d(x, this.runningMean, this.runningVar, this.weight, this.bias, {
      training: this.training || !this.runningMean,
      momentum,
      eps: this.eps,
    });
  }
}
