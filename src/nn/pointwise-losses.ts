/**
 * Losses that compare an input with a same-shaped float target element by element, then reduce, as PyTorch's
 * F.mse_loss, F.l1_loss and F.binary_cross_entropy_with_logits. Per element i (x = input, t = target):
 *
 *   mse:  ℓ = (x − t)²                        ∂ℓ/∂x = 2(x − t)             ∂ℓ/∂t = −2(x − t)
 *   l1:   ℓ = |x − t|                         ∂ℓ/∂x = sign(x − t) (0 at 0) ∂ℓ/∂t = −sign(x − t)
 *   bce:  ℓ = w·((1 − t)·x + L·sp(−x)),  L = 1 + (p − 1)·t,  sp(u) = log(1 + eᵘ) = log1p(e^(−|u|)) + max(u, 0)
 *         ∂ℓ/∂x = w·((1 − t) − L·σ(−x))     ∂ℓ/∂t = w·(−x + (p − 1)·sp(−x))
 *         (w = weight, p = posWeight, both 1 when absent and broadcast to the input's shape; σ(−x) = 1/(1 + eˣ).
 *         PyTorch's formula, written with the stable softplus: no overflow for any x)
 *
 * Reduction: 'mean' (default) = Σℓ/n (NaN for an empty input, as PyTorch), 'sum' = Σℓ, 'none' = ℓ shaped like the
 * input. Sums are in double, in element order. Gradients flow to the input and the target; weight and posWeight
 * are constants.
 */
import { Tensor } from '../tensor/tensor.js';
import { allocArray, type FloatArray } from '../tensor/dtype.js';
import { ShapeError, ConfigError } from '../tensor/errors.js';
import { shapesEqual } from '../tensor/shape.js';
import { record } from '../autograd/record.js';
import { broadcastAll } from '../ops/broadcast.js';
import { expand } from '../ops/shape.js';
import { detach } from '../ops/copy.js';

/** How per-element (or per-pixel) losses are combined; shared with the segmentation losses (losses.ts). */
export type Reduction = 'mean' | 'sum' | 'none';

export interface PointwiseLossOptions {
  /** 'mean' (default), 'sum' or 'none'. */
  reduction?: Reduction;
}

export interface BceWithLogitsOptions extends PointwiseLossOptions {
  /** Per-element weight w, broadcast to the input's shape. */
  weight?: Tensor | null;
  /** Weight p of the positive term, broadcast to the input's shape (e.g. [C] for the last dim). */
  posWeight?: Tensor | null;
}

/** ℓ and its two partial derivatives at element i, in double. */
interface Pointwise {
  loss(x: number, t: number, i: number): number;
  /** [∂ℓ/∂x, ∂ℓ/∂t] */
  grad(x: number, t: number, i: number): [number, number];
}

function checkReduction(op: string, r: Reduction): void {
  if (r !== 'mean' && r !== 'sum' && r !== 'none') throw new ConfigError(op, `reduction must be 'mean', 'sum' or 'none', got '${String(r)}'`);
}

function checkPair(op: string, input: Tensor, target: Tensor): void {
  if (input.dtype === 'int32') throw new ShapeError(op, 'input must be a float tensor, got int32', { input: input.shape });
  if (target.dtype !== input.dtype) {
    throw new ShapeError(op, `target dtype (${target.dtype}) must match the input dtype (${input.dtype})`, { input: input.shape, target: target.shape });
  }
  if (!shapesEqual(input.shape, target.shape)) {
    throw new ShapeError(op, 'target shape must equal the input shape', { input: input.shape, target: target.shape });
  }
}

/** A constant broadcast to the input's shape, as plain numbers (null stays null). */
function broadcastConstant(op: string, name: string, t: Tensor | null | undefined, input: Tensor): ArrayLike<number> | null {
  if (!t) return null;
  if (t.dtype === 'int32') throw new ShapeError(op, `${name} must be a float tensor, got int32`, { [name]: t.shape });
  const b = broadcastAll([input.shape, t.shape]);
  if (!b || !shapesEqual(b, input.shape)) {
    throw new ShapeError(op, `${name} must broadcast to the input shape`, { input: input.shape, [name]: t.shape });
  }
  return expand(detach(t), input.shape).data;
}

/** Apply ℓ element-wise and reduce; record the backward to input and target. */
function pointwiseLoss(op: string, input: Tensor, target: Tensor, reduction: Reduction, f: Pointwise): Tensor {
  const x = input.data, t = target.data, n = input.size;
  const dtype = input.dtype;
  let out: Tensor;
  if (reduction === 'none') {
    const l = allocArray(dtype, n) as FloatArray;
    for (let i = 0; i < n; i++) l[i] = f.loss(x[i], t[i], i);
    out = new Tensor(l, input.shape);
  } else {
    let s = 0;
    for (let i = 0; i < n; i++) s += f.loss(x[i], t[i], i);
    const l = allocArray(dtype, 1);
    l[0] = reduction === 'mean' ? s / n : s;
    out = new Tensor(l, []);
  }
  return record(op, [input, target], out, (gy, needs) => {
    const g = gy.data, scale = reduction === 'mean' ? 1 / n : 1;
    const gx = needs[0] ? (allocArray(dtype, n) as FloatArray) : null;
    const gt = needs[1] ? (allocArray(dtype, n) as FloatArray) : null;
    const xd = input.data, td = target.data;
    for (let i = 0; i < n; i++) {
      const gi = (reduction === 'none' ? g[i] : g[0]) * scale;
      const [dx, dt] = f.grad(xd[i], td[i], i);
      if (gx) gx[i] = gi * dx;
      if (gt) gt[i] = gi * dt;
    }
    return [gx && new Tensor(gx, input.shape), gt && new Tensor(gt, input.shape)];
  }, [input, target]);
}

/**
 * Mean squared error, as F.mse_loss. Shape: input and target the same shape (float, same dtype); output [] or,
 * with reduction 'none', the input's shape.
 */
export function mseLoss(input: Tensor, target: Tensor, options: PointwiseLossOptions = {}): Tensor {
  const op = 'mseLoss', reduction = options.reduction ?? 'mean';
  checkReduction(op, reduction);
  checkPair(op, input, target);
  return pointwiseLoss(op, input, target, reduction, {
    loss: (x, t) => (x - t) * (x - t),
    grad: (x, t) => [2 * (x - t), -2 * (x - t)],
  });
}

/** Mean absolute error, as F.l1_loss (its gradient is 0 where input = target). Shapes as mseLoss. */
export function l1Loss(input: Tensor, target: Tensor, options: PointwiseLossOptions = {}): Tensor {
  const op = 'l1Loss', reduction = options.reduction ?? 'mean';
  checkReduction(op, reduction);
  checkPair(op, input, target);
  return pointwiseLoss(op, input, target, reduction, {
    loss: (x, t) => Math.abs(x - t),
    grad: (x, t) => [Math.sign(x - t), -Math.sign(x - t)],
  });
}

/** sp(u) = log(1 + eᵘ) without overflow. */
const softplus = (u: number): number => Math.log1p(Math.exp(-Math.abs(u))) + Math.max(u, 0);

/**
 * Binary cross-entropy on logits, as F.binary_cross_entropy_with_logits (targets are probabilities in [0, 1],
 * not checked, as PyTorch). Shape: input and target the same shape; weight and posWeight broadcast to it;
 * output [] or, with reduction 'none', the input's shape.
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, options: BceWithLogitsOptions = {}): Tensor {
  const op = 'binaryCrossEntropyWithLogits', reduction = options.reduction ?? 'mean';
  checkReduction(op, reduction);
  checkPair(op, input, target);
  const w = broadcastConstant(op, 'weight', options.weight, input);
  const p = broadcastConstant(op, 'posWeight', options.posWeight, input);
  return pointwiseLoss(op, input, target, reduction, {
    loss: (x, t, i) => (w ? w[i] : 1) * ((1 - t) * x + (1 + ((p ? p[i] : 1) - 1) * t) * softplus(-x)),
    grad: (x, t, i) => {
      const wi = w ? w[i] : 1, pm1 = (p ? p[i] : 1) - 1;
      return [wi * ((1 - t) - (1 + pm1 * t) / (1 + Math.exp(x))), wi * (-x + pm1 * softplus(-x))];
    },
  });
}
