/**
 * BatchNorm folding for inference. In eval mode a BatchNorm2d is a per-channel affine map,
 *   BN(x)[c] = s[c]·x[c] + t[c],   s = γ/√(running_var + ε),   t = β − running_mean·s,
 * so it can be merged into the convolution next to it and its pass over memory disappears:
 *   'after'  conv → BN:  W'[o, …] = s[o]·W[o, …],            b'[o] = s[o]·b[o] + t[o]      (b = 0 without bias)
 *   'before' BN → conv:  W'[o, c, …] = W[o, c, …]·s[c],      b'[o] = b[o] + Σ_{c,kh,kw} W[o, c, kh, kw]·t[c]
 * 'before' is exact only when the conv reads no padding (a padded zero would have to become t[c]), so it is
 * refused for a conv with padding. The folded weights are computed in float64 and rounded once to the conv's dtype.
 *
 * A model lists its pairs (`BatchNormFold[]`) and runs its inference forward inside withFoldedBatchNorm(folds, f):
 * there, each folded BN returns its input unchanged and its conv uses the folded weight and bias; outside, both
 * are the plain layers (so calling a BN or a conv on its own never sees a fold). Folding happens only when both
 * layers are in eval mode, the BN has running statistics and gradients are off (a folded conv would not give
 * gradients for the BN's parameters); otherwise the forward runs unfolded. The folded tensors are made once per
 * withFoldedBatchNorm call and released when it returns, so a weight changed between calls is always seen.
 *
 * What changes bits: the logits differ from the unfolded forward by float32 rounding (the product s·W is rounded
 * once, and the BN's separate multiply-add is gone); tests/nn/fuse-batchnorm.test.ts bounds the difference.
 */
import type { Tensor } from '../tensor/tensor.js';
import { zeros } from '../tensor/create.js';
import { ConfigError } from '../tensor/errors.js';
import type { FloatArray } from '../tensor/dtype.js';
import { batchNormFold } from '../backend/dispatch/batchnorm2d.js';
import { isGradEnabled } from '../autograd/grad-mode.js';
import type { BatchNorm2d } from './layers/batch-norm2d.js';
import type { Conv2d } from './layers/conv2d.js';

export interface BatchNormFold {
  bn: BatchNorm2d;
  conv: Conv2d;
  /** 'after': the BN normalises the conv's output; 'before': the BN's output is the conv's only input */
  side: 'after' | 'before';
}

interface FoldedConv {
  weight: Tensor;
  bias: Tensor;
}

/** The folds in force: BNs that are identities now, and the convs' folded parameters. Null outside the scope. */
let active: { bns: Set<BatchNorm2d>; convs: Map<Conv2d, FoldedConv> } | null = null;

/** True inside withFoldedBatchNorm for a BN that was folded: its forward returns its input. */
export function isFoldedAway(bn: BatchNorm2d): boolean {
  return active !== null && active.bns.has(bn);
}

/** The folded weight and bias of a conv inside withFoldedBatchNorm, or null (use its own). */
export function foldedConvParams(conv: Conv2d): FoldedConv | null {
  return active?.convs.get(conv) ?? null;
}

/** Whether a pair can be folded now (see the file comment). */
export function canFold(f: BatchNormFold): boolean {
  return !f.bn.training && !f.conv.training && !isGradEnabled() && f.bn.runningMean !== null && f.bn.runningVar !== null;
}

/** s and t of an eval-mode BN in float64 (γ = 1, β = 0 without affine parameters). */
function affineOf(bn: BatchNorm2d): { s: Float64Array; t: Float64Array } {
  const C = bn.numFeatures, mean = bn.runningMean!.data, variance = bn.runningVar!.data;
  const gamma = bn.weight?.data, beta = bn.bias?.data;
  const s = new Float64Array(C), t = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    s[c] = (gamma ? gamma[c] : 1) / Math.sqrt(variance[c] + bn.eps);
    t[c] = (beta ? beta[c] : 0) - mean[c] * s[c];
  }
  return { s, t };
}

/** The conv's weight and bias with the BN merged in (formulas in the file comment). */
export function foldBatchNorm(f: BatchNormFold): FoldedConv {
  const { bn, conv, side } = f;
  const [Cout, cinPerGroup, kH, kW] = conv.weight.shape;
  const groups = conv.options.groups ?? 1;
  const bnChannels = side === 'after' ? Cout : cinPerGroup * groups;
  if (bn.numFeatures !== bnChannels) {
    throw new ConfigError('foldBatchNorm', `the BN has ${bn.numFeatures} channels but the conv's ${side === 'after' ? 'output' : 'input'} has ${bnChannels}`);
  }
  if (side === 'before' && !hasNoPadding(conv)) {
    throw new ConfigError('foldBatchNorm', "a BN can be folded into the conv after it only when that conv has no padding");
  }
  const { s, t } = affineOf(bn);
  const weight = zeros(conv.weight.shape, { dtype: conv.weight.dtype });
  const bias = zeros([Cout], { dtype: conv.weight.dtype });
  batchNormFold(weight.data as FloatArray, bias.data as FloatArray, conv.weight.data as FloatArray, (conv.bias?.data ?? null) as FloatArray | null,
    s, t, { Cout, cinPerGroup, taps: kH * kW, groups }, side);
  return { weight, bias };
}

function hasNoPadding(conv: Conv2d): boolean {
  const p = conv.options.padding ?? 0;
  if (p === 'valid') return true;
  if (p === 'same') return conv.kernelSize[0] === 1 && conv.kernelSize[1] === 1;
  return typeof p === 'number' ? p === 0 : p[0] === 0 && p[1] === 0;
}

/**
 * Run f with every foldable pair of `folds` folded (see the file comment); pairs that cannot be folded now run as
 * plain layers. Not re-entrant for the same pairs: an inner call runs with the outer folds.
 */
export function withFoldedBatchNorm<T>(folds: readonly BatchNormFold[], f: () => T): T {
  if (active !== null) return f();
  const now = folds.filter(canFold);
  if (now.length === 0) return f();
  const convs = new Map(now.map((p) => [p.conv, foldBatchNorm(p)] as const));
  active = { bns: new Set(now.map((p) => p.bn)), convs };
  try {
    return f();
  } finally {
    active = null;
    for (const { weight, bias } of convs.values()) {
      weight.release();
      bias.release();
    }
  }
}
