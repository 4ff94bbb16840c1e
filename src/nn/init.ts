/**
 * Parameter initialisation as PyTorch's defaults (torch/nn/init.py), drawn from the seeded generator so a model
 * built after `manualSeed(s)` (or with an explicit `generator`) is reproducible. The distributions match PyTorch;
 * the numbers do not (different random streams).
 *
 * Conv2d / Linear `reset_parameters()`:
 *   weight: kaiming_uniform_(a = √5): bound = gain·√(3 / fan_in), gain = √(2 / (1 + a²)) = √(1/3)  ⇒  U(±1/√fan_in)
 *   bias:   U(±1/√fan_in)
 * fan_in = weight.shape[1] · kH · kW, i.e. Cin/groups·kH·kW for Conv2d and Cout/groups·kH·kW for ConvTranspose2d,
 * whose weight is [Cin, Cout/groups, kH, kW] (PyTorch computes it from the weight layout either way).
 */
import type { Tensor } from '../tensor/tensor.js';
import { type Generator, defaultGenerator } from '../tensor/rng.js';
import { ShapeError } from '../tensor/errors.js';

/** fan_in of a weight tensor: shape[1] times the receptive field (product of shape[2:]). */
export function fanIn(shape: readonly number[]): number {
  if (shape.length < 2) throw new ShapeError('fanIn', 'needs a weight with at least 2 dims', { weight: shape });
  let f = shape[1];
  for (let i = 2; i < shape.length; i++) f *= shape[i];
  return f;
}

/** Fill t with U(low, high) draws in element order. Returns t. */
export function uniform_(t: Tensor, low: number, high: number, generator: Generator = defaultGenerator): Tensor {
  const d = t.data;
  for (let i = 0; i < d.length; i++) d[i] = low + (high - low) * generator.uniform();
  return t;
}

export function constant_(t: Tensor, value: number): Tensor {
  t.data.fill(value);
  return t;
}

export const zeros_ = (t: Tensor): Tensor => constant_(t, 0);
export const ones_ = (t: Tensor): Tensor => constant_(t, 1);

/** kaiming_uniform_(t, a, mode='fan_in', nonlinearity='leaky_relu'): U(±√(6 / ((1 + a²)·fan_in))). */
export function kaimingUniform_(t: Tensor, a = 0, generator: Generator = defaultGenerator, fan = fanIn(t.shape)): Tensor {
  const gain = Math.sqrt(2 / (1 + a * a));
  const bound = gain * Math.sqrt(3 / fan);
  return uniform_(t, -bound, bound, generator);
}

/** The default init of Conv2d, ConvTranspose2d and Linear: weight then bias, both U(±1/√fan_in). */
export function resetLinearLike(weight: Tensor, bias: Tensor | null, generator: Generator = defaultGenerator): void {
  kaimingUniform_(weight, Math.sqrt(5), generator);
  if (bias) {
    const fan = fanIn(weight.shape);
    const bound = fan > 0 ? 1 / Math.sqrt(fan) : 0;
    uniform_(bias, -bound, bound, generator);
  }
}
