/**
 * fast-check arbitraries for conv2d geometry: batch, dense / depth-wise / grouped channels, kH ≠ kW, strides,
 * dilations, padding as numbers, pairs, 'same' or 'valid', the four padding modes, bias or none, and inputs smaller
 * than the (dilated) kernel where the padding makes up for it. Every case is valid for PyTorch's Conv2d:
 * the padded input holds the dilated kernel, 'same' only with stride 1, reflect padding < the input size, circular
 * padding ≤ the input size.
 */
import fc from 'fast-check';
import { Tensor } from '../tensor/tensor.js';
import { randn } from '../tensor/create.js';
import { Generator } from '../tensor/rng.js';
import type { Conv2dOptions, PaddingMode } from '../ops/conv-geometry.js';

/** One conv2d call: shapes, options and the seed its tensors are drawn from (see convInputs). */
export interface ConvCase {
  N: number;
  Cin: number;
  Cout: number;
  kH: number;
  kW: number;
  H: number;
  W: number;
  bias: boolean;
  /** stride, padding, dilation and groups as [h, w] pairs (or 'same' / 'valid'), and the padding mode. */
  options: Required<Pick<Conv2dOptions, 'stride' | 'padding' | 'dilation' | 'groups' | 'paddingMode'>>;
  seed: number;
}

export type ChannelKind = 'dense' | 'depthwise' | 'grouped';

export interface ConvCaseConstraints {
  /** Channel layouts to draw from (default all three). */
  kinds?: readonly ChannelKind[];
  /** Largest kernel side (default 4). */
  maxKernel?: number;
  /** Largest stride (default 3). */
  maxStride?: number;
  /** Largest dilation (default 4). */
  maxDilation?: number;
  /** Largest numeric padding (default 3). */
  maxPadding?: number;
  /** Padding modes to draw from (default all four). */
  paddingModes?: readonly PaddingMode[];
  /** Allow 'same' and 'valid' (default true). */
  namedPadding?: boolean;
  /** Largest channels per group and batch (default 3 and 2). */
  maxChannels?: number;
  maxBatch?: number;
  /** Largest extra input rows/columns beyond the smallest valid size (default 3). */
  maxExtra?: number;
}

/** Per-side padding [top, bottom, left, right] as PyTorch derives it ('same': the odd extra at the bottom/right). */
export function paddingSides(c: Pick<ConvCase, 'kH' | 'kW' | 'options'>): [number, number, number, number] {
  const { padding, dilation } = c.options;
  if (padding === 'valid') return [0, 0, 0, 0];
  if (padding === 'same') {
    const tH = pairOf(dilation)[0] * (c.kH - 1);
    const tW = pairOf(dilation)[1] * (c.kW - 1);
    return [tH >> 1, tH - (tH >> 1), tW >> 1, tW - (tW >> 1)];
  }
  const [pH, pW] = pairOf(padding);
  return [pH, pH, pW, pW];
}

/** [h, w] of a number or a pair. */
export function pairOf(v: number | readonly [number, number]): [number, number] {
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

/** Smallest valid input side for a dilated kernel ek and paddings p0, p1 in this mode, plus `extra`. */
function inputSide(ek: number, p0: number, p1: number, extra: number, mode: PaddingMode): number {
  let n = Math.max(1, ek - p0 - p1) + extra; // extra 0 with padding: a kernel wider than the input
  if (mode === 'reflect') n = Math.max(n, p0 + 1, p1 + 1);
  if (mode === 'circular') n = Math.max(n, p0, p1);
  return n;
}

/** Random valid conv2d cases; shrinking goes towards batch 1, one channel, 1x1 kernels, stride and dilation 1. */
export function convCase(constraints: ConvCaseConstraints = {}): fc.Arbitrary<ConvCase> {
  const maxK = constraints.maxKernel ?? 4;
  const maxC = constraints.maxChannels ?? 3;
  const named = constraints.namedPadding ?? true;
  const int = (min: number, max: number): fc.Arbitrary<number> => fc.integer({ min, max: Math.max(min, max) });
  const pads = fc.tuple(int(0, constraints.maxPadding ?? 3), int(0, constraints.maxPadding ?? 3));
  return fc
    .record({
      N: int(1, constraints.maxBatch ?? 2),
      kind: fc.constantFrom<ChannelKind>(...(constraints.kinds ?? ['dense', 'depthwise', 'grouped'])),
      a: int(1, maxC),
      b: int(1, maxC),
      g: int(2, 3),
      kH: int(1, maxK),
      kW: int(1, maxK),
      sH: int(1, constraints.maxStride ?? 3),
      sW: int(1, constraints.maxStride ?? 3),
      dH: int(1, constraints.maxDilation ?? 4),
      dW: int(1, constraints.maxDilation ?? 4),
      padding: named
        ? fc.oneof({ weight: 4, arbitrary: pads }, { weight: 1, arbitrary: fc.constantFrom<'same' | 'valid'>('same', 'valid') })
        : pads,
      mode: fc.constantFrom<PaddingMode>(...(constraints.paddingModes ?? ['zeros', 'reflect', 'replicate', 'circular'])),
      bias: fc.boolean(),
      extraH: int(0, constraints.maxExtra ?? 3),
      extraW: int(0, constraints.maxExtra ?? 3),
      seed: fc.nat(1 << 20),
    })
    .map((r): ConvCase => {
      const [groups, cinG, coutG] = r.kind === 'dense' ? [1, r.a, r.b] : r.kind === 'depthwise' ? [r.a + 1, 1, 1] : [r.g, r.a, r.b];
      const same = r.padding === 'same';
      const c: ConvCase = {
        N: r.N,
        Cin: cinG * groups,
        Cout: coutG * groups,
        kH: r.kH,
        kW: r.kW,
        H: 0,
        W: 0,
        bias: r.bias,
        options: {
          stride: same ? [1, 1] : [r.sH, r.sW],
          padding: r.padding,
          dilation: [r.dH, r.dW],
          groups,
          paddingMode: r.mode,
        },
        seed: r.seed,
      };
      const [pt, pb, pl, pr] = paddingSides(c);
      c.H = inputSide(r.dH * (r.kH - 1) + 1, pt, pb, r.extraH, r.mode);
      c.W = inputSide(r.dW * (r.kW - 1) + 1, pl, pr, r.extraW, r.mode);
      return c;
    });
}

/** Standard-normal float64 x [N, Cin, H, W], weight [Cout, Cin/groups, kH, kW] and bias [Cout] (or null) of a case. */
export function convInputs(c: ConvCase): [Tensor, Tensor, Tensor | null] {
  const draw = (shape: number[], k: number): Tensor => randn(shape, { dtype: 'float64', generator: new Generator(c.seed * 4 + k) });
  const x = draw([c.N, c.Cin, c.H, c.W], 0);
  const w = draw([c.Cout, c.Cin / c.options.groups, c.kH, c.kW], 1);
  return [x, w, c.bias ? draw([c.Cout], 2) : null];
}
