/**
 * ONNX emitters for the layers of src/nn/layers, one per class, each the eval-mode graph of the layer's forward:
 *   Conv2d → [Pad (reflect/edge/wrap padding modes)] Conv     ConvTranspose2d → ConvTranspose
 *   BatchNorm2d → BatchNormalization (running statistics)     GELU → Gelu (opset ≥ 20) or x·½·(1 + erf(x/√2))
 *   ReLU → Relu, Sigmoid → Sigmoid, Identity/Dropout → nothing, Sequential → its children in order
 *   Upsample → Resize, AdaptiveAvgPool2d → GlobalAveragePool / AveragePool, MaxPool2d → MaxPool, Linear → MatMul + Add
 *   LeakyReLU → LeakyRelu, SiLU → x·Sigmoid(x), Tanh → Tanh, Softmax → Softmax, Flatten → Flatten / Reshape,
 *   AvgPool2d → AveragePool, GroupNorm → Reshape, InstanceNormalization, Reshape, then the per-channel γ, β,
 *   LayerNorm → LayerNormalization (opset ≥ 17)
 * Weights are graph initializers named by their state-dict keys (g.param).
 */
import { ConfigError } from '../tensor/errors.js';
import type { Pair } from '../ops/conv-geometry.js';
import { Conv2d } from '../nn/layers/conv2d.js';
import { ConvTranspose2d } from '../nn/layers/conv-transpose2d.js';
import { BatchNorm2d } from '../nn/layers/batch-norm2d.js';
import { GELU } from '../nn/layers/gelu.js';
import { ReLU } from '../nn/layers/relu.js';
import { Sigmoid } from '../nn/layers/sigmoid.js';
import { Identity } from '../nn/layers/identity.js';
import { Dropout } from '../nn/layers/dropout.js';
import { Sequential } from '../nn/layers/sequential.js';
import { Upsample } from '../nn/layers/upsample.js';
import { AdaptiveAvgPool2d } from '../nn/layers/adaptive-avg-pool2d.js';
import { MaxPool2d } from '../nn/layers/max-pool2d.js';
import { Linear } from '../nn/layers/linear.js';
import { LeakyReLU } from '../nn/layers/leaky-relu.js';
import { SiLU } from '../nn/layers/silu.js';
import { Tanh } from '../nn/layers/tanh.js';
import { Softmax } from '../nn/layers/softmax.js';
import { Flatten } from '../nn/layers/flatten.js';
import { AvgPool2d } from '../nn/layers/avg-pool2d.js';
import { GroupNorm } from '../nn/layers/group-norm.js';
import { LayerNorm } from '../nn/layers/layer-norm.js';
import type { Dim } from './onnx-proto.js';
import { registerOnnxEmitter, type OnnxGraph, type Value } from './graph.js';

const pair = (v: Pair): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

/**
 * Output size of a conv/pool along one axis: floor((d + pads − dil·(k − 1) − 1) / s) + 1. A symbolic size survives
 * only a size-preserving window (stride 1, pads = dil·(k − 1)); anything else becomes unknown.
 */
function windowOut(g: OnnxGraph, d: Dim, pads: number, k: number, s: number, dil = 1): Dim {
  if (typeof d === 'number') {
    const out = Math.floor((d + pads - dil * (k - 1) - 1) / s) + 1;
    if (out < 1) throw new ConfigError('exportOnnx', `${g.where}: window ${dil * (k - 1) + 1} is larger than the padded input ${d + pads}; the input shape is too small for this model`);
    return out;
  }
  return d !== null && s === 1 && pads === dil * (k - 1) ? d : null;
}

/** Conv2d padding as [top, bottom, left, right], resolving 'valid' and 'same' as conv2dGeometry does. */
function convPads(m: Conv2d): [number, number, number, number] {
  const padding = m.options.padding ?? 0;
  if (padding === 'valid') return [0, 0, 0, 0];
  if (padding === 'same') {
    const [kH, kW] = m.kernelSize;
    const [dH, dW] = pair(m.options.dilation ?? 1);
    const [tH, tW] = [dH * (kH - 1), dW * (kW - 1)]; // the extra row/column at the bottom/right, as PyTorch
    return [tH >> 1, tH - (tH >> 1), tW >> 1, tW - (tW >> 1)];
  }
  const [pH, pW] = pair(padding);
  return [pH, pH, pW, pW];
}

/** PyTorch padding modes → ONNX Pad modes ('circular' needs opset 19's 'wrap'). */
const PAD_MODE = { reflect: 'reflect', replicate: 'edge', circular: 'wrap' } as const;

registerOnnxEmitter(Conv2d, (g, m, x) => {
  const [kH, kW] = m.kernelSize;
  const [sH, sW] = pair(m.options.stride ?? 1);
  const [dH, dW] = pair(m.options.dilation ?? 1);
  const [pt, pb, pl, pr] = convPads(m);
  const [N, Cin, H, W] = x.shape;
  if (typeof Cin === 'number' && Cin !== m.inChannels) {
    throw new ConfigError('exportOnnx', `${g.where}: Conv2d expects ${m.inChannels} input channels, the graph gives it ${Cin}`);
  }
  const outShape = [N, m.outChannels, windowOut(g, H, pt + pb, kH, sH, dH), windowOut(g, W, pl + pr, kW, sW, dW)];
  const inputs = (input: Value): string[] => [input.name, g.param(m.weight), ...(m.bias ? [g.param(m.bias)] : [])];
  const attrs = { kernel_shape: [kH, kW], strides: [sH, sW], dilations: [dH, dW], group: m.options.groups ?? 1 };
  const mode = m.options.paddingMode ?? 'zeros';
  if (mode === 'zeros' || pt + pb + pl + pr === 0) {
    return g.op('Conv', inputs(x), outShape, { ...attrs, pads: [pt, pl, pb, pr] }); // ONNX pads: [h_begin, w_begin, h_end, w_end]
  }
  // PyTorch pads the input with the mode first, then convolves without padding
  if (mode === 'circular' && g.opset < 19) {
    throw new ConfigError('exportOnnx', `Conv2d with paddingMode 'circular' needs opset ≥ 19 (Pad mode 'wrap'), got opset ${g.opset}`);
  }
  const pads = g.constInt64('pads', [0, 0, pt, pl, 0, 0, pb, pr]);
  const padded = g.op('Pad', [x, pads], [N, x.shape[1], null, null], { mode: PAD_MODE[mode] });
  return g.op('Conv', inputs(padded), outShape, { ...attrs, pads: [0, 0, 0, 0] });
});

// H_out = (H − 1)·s − 2p + dil·(k − 1) + outputPadding + 1
registerOnnxEmitter(ConvTranspose2d, (g, m, x) => {
  const [kH, kW] = m.kernelSize;
  const [sH, sW] = pair(m.options.stride ?? 1);
  const [pH, pW] = pair(m.options.padding ?? 0);
  const [oH, oW] = pair(m.options.outputPadding ?? 0);
  const [dH, dW] = pair(m.options.dilation ?? 1);
  const out = (d: Dim, k: number, s: number, p: number, op: number, dil: number): Dim =>
    typeof d === 'number' ? (d - 1) * s - 2 * p + dil * (k - 1) + op + 1 : null;
  const inputs = [x.name, g.param(m.weight), ...(m.bias ? [g.param(m.bias)] : [])];
  const [N, , H, W] = x.shape;
  return g.op('ConvTranspose', inputs, [N, m.outChannels, out(H, kH, sH, pH, oH, dH), out(W, kW, sW, pW, oW, dW)], {
    kernel_shape: [kH, kW],
    strides: [sH, sW],
    pads: [pH, pW, pH, pW],
    output_padding: [oH, oW],
    dilations: [dH, dW],
    group: m.options.groups ?? 1,
  });
});

// eval mode: y = (x − running_mean) / √(running_var + eps) · γ + β
registerOnnxEmitter(BatchNorm2d, (g, m, x) => {
  if (!m.runningMean || !m.runningVar) {
    throw new ConfigError('exportOnnx', 'BatchNorm2d without running statistics (trackRunningStats = false) normalises with batch statistics; it cannot be exported as an eval-mode BatchNormalization');
  }
  const C = m.numFeatures;
  const scale = m.weight ? g.param(m.weight) : g.constFloat('ones', new Array<number>(C).fill(1)).name;
  const bias = m.bias ? g.param(m.bias) : g.constFloat('zeros', new Array<number>(C).fill(0)).name;
  return g.op('BatchNormalization', [x.name, scale, bias, g.param(m.runningMean), g.param(m.runningVar)], x.shape, { epsilon: { f: m.eps } });
});

registerOnnxEmitter(GELU, (g, m, x) => {
  if (g.opset >= 20) return g.op('Gelu', [x], x.shape, { approximate: m.approximate });
  if (m.approximate === 'tanh') {
    // ½·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
    const x3 = g.mul(g.mul(x, x), x);
    const inner = g.mul(g.add(x, g.mul(x3, g.scalar(0.044715))), g.scalar(Math.sqrt(2 / Math.PI)));
    return g.mul(g.mul(x, g.add(g.op('Tanh', [inner], x.shape), g.scalar(1))), g.scalar(0.5));
  }
  // exact: x·½·(1 + erf(x/√2)), as torch.onnx writes it for opsets without Gelu
  const erf = g.op('Erf', [g.op('Div', [x, g.scalar(Math.SQRT2)], x.shape)], x.shape);
  return g.mul(g.mul(x, g.add(erf, g.scalar(1))), g.scalar(0.5));
});

registerOnnxEmitter(ReLU, (g, _m, x) => g.op('Relu', [x], x.shape));
registerOnnxEmitter(Sigmoid, (g, _m, x) => g.op('Sigmoid', [x], x.shape));
registerOnnxEmitter(Identity, (_g, _m, x) => x);
registerOnnxEmitter(Dropout, (_g, _m, x) => x); // the identity in eval mode

registerOnnxEmitter(Sequential, (g, m, x) => {
  let y = x;
  for (const layer of m.layers) y = g.call(layer, y);
  return y;
});

/**
 * Resize with PyTorch's coordinate rules (see ops/interpolate.ts):
 *   bilinear, alignCorners → 'align_corners': src = dst·(in − 1)/(out − 1)
 *   bilinear otherwise     → 'pytorch_half_pixel': src = (dst + ½)/scale − ½ (0 when out = 1)
 *   nearest                → 'asymmetric' + floor: src = floor(dst/scale)
 * A scale factor goes in `scales` (output = floor(in·scale), as PyTorch); a size in `sizes` ([N, C, h, w]).
 */
registerOnnxEmitter(Upsample, (g, m, x) => {
  const { scaleFactor, size, mode = 'nearest', alignCorners = false } = m.options;
  const attrs: Record<string, string> =
    mode === 'bilinear'
      ? { mode: 'linear', coordinate_transformation_mode: alignCorners ? 'align_corners' : 'pytorch_half_pixel' }
      : { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' };
  const [N, C, H, W] = x.shape;
  if (scaleFactor !== undefined) {
    const [sh, sw] = pair(scaleFactor);
    const scaled = (d: Dim, s: number): Dim => (typeof d === 'number' ? Math.floor(d * s) : null);
    return g.op('Resize', [x.name, '', g.constFloat('scales', [1, 1, sh, sw]).name], [N, C, scaled(H, sh), scaled(W, sw)], attrs);
  }
  const [h, w] = pair(size!);
  let sizes: Value;
  if (typeof N === 'number' && typeof C === 'number') sizes = g.constInt64('sizes', [N, C, h, w]);
  else {
    // [N, C] from the input's shape at run time, then the fixed [h, w]
    const nc = g.op('Slice', [g.op('Shape', [x], [4]), g.constInt64('starts', [0]), g.constInt64('ends', [2])], [2]);
    sizes = g.op('Concat', [nc, g.constInt64('hw', [h, w])], [4], { axis: 0 });
  }
  return g.op('Resize', [x.name, '', '', sizes.name], [N, C, h, w], attrs);
});

registerOnnxEmitter(AdaptiveAvgPool2d, (g, m, x) => {
  const [oh, ow] = pair(m.outputSize);
  const [N, C, H, W] = x.shape;
  if (oh === 1 && ow === 1) return g.op('GlobalAveragePool', [x], [N, C, 1, 1]);
  // an adaptive pool whose windows tile the input exactly is an ordinary average pool
  if (typeof H === 'number' && typeof W === 'number' && H % oh === 0 && W % ow === 0) {
    const kernel = [H / oh, W / ow];
    return g.op('AveragePool', [x], [N, C, oh, ow], { kernel_shape: kernel, strides: kernel });
  }
  throw new ConfigError('exportOnnx', `AdaptiveAvgPool2d to [${oh}, ${ow}] needs an input size divisible by it (got [${H}, ${W}]); only output size 1 works with dynamic sizes`);
});

registerOnnxEmitter(MaxPool2d, (g, m, x) => {
  const [kH, kW] = pair(m.kernelSize);
  const [sH, sW] = pair(m.options.stride ?? m.kernelSize);
  const [pH, pW] = pair(m.options.padding ?? 0);
  const [N, C, H, W] = x.shape;
  return g.op('MaxPool', [x], [N, C, windowOut(g, H, 2 * pH, kH, sH), windowOut(g, W, 2 * pW, kW, sW)], {
    kernel_shape: [kH, kW],
    strides: [sH, sW],
    pads: [pH, pW, pH, pW],
  });
});

// y = x·Wᵀ + b; W stays in PyTorch's [out, in] layout under its state-dict key, a Transpose node flips it
registerOnnxEmitter(Linear, (g, m, x) => {
  const shape = [...x.shape.slice(0, -1), m.outFeatures];
  const wT = g.op('Transpose', [g.param(m.weight)], [m.inFeatures, m.outFeatures], { perm: [1, 0] });
  const y = g.op('MatMul', [x, wT], shape);
  return m.bias ? g.op('Add', [y.name, g.param(m.bias)], shape) : y;
});

registerOnnxEmitter(LeakyReLU, (g, m, x) => g.op('LeakyRelu', [x], x.shape, { alpha: { f: m.negativeSlope } }));
registerOnnxEmitter(SiLU, (g, _m, x) => g.mul(x, g.op('Sigmoid', [x], x.shape)));
registerOnnxEmitter(Tanh, (g, _m, x) => g.op('Tanh', [x], x.shape));
registerOnnxEmitter(Softmax, (g, m, x) => g.op('Softmax', [x], x.shape, { axis: m.dim }));

/** The dim index d of a rank-r shape, negative counting from the end. */
const axis = (d: number, r: number): number => (d < 0 ? d + r : d);

// ONNX Flatten makes [d0·…·d(axis−1), d(axis)·…]: torch's Flatten(start, −1) for start 1 (the default); otherwise a
// Reshape with the merged dim inferred (−1), the dims before it copied (0) and the ones after it written out
registerOnnxEmitter(Flatten, (g, m, x) => {
  const r = x.shape.length, start = axis(m.startDim, r), end = axis(m.endDim, r);
  if (start < 0 || end >= r || start > end) throw new ConfigError('exportOnnx', `${g.where}: Flatten(${m.startDim}, ${m.endDim}) does not fit an input of rank ${r}`);
  const merged = x.shape.slice(start, end + 1).reduce<Dim>((a, d) => (typeof a === 'number' && typeof d === 'number' ? a * d : null), 1);
  const shape = [...x.shape.slice(0, start), merged, ...x.shape.slice(end + 1)];
  if (start === 1 && end === r - 1) return g.op('Flatten', [x], shape, { axis: 1 });
  const after = x.shape.slice(end + 1);
  if (after.some((d) => typeof d !== 'number')) {
    throw new ConfigError('exportOnnx', `${g.where}: Flatten(${m.startDim}, ${m.endDim}) with dynamic dims after the merged ones is not supported`);
  }
  const target = g.constInt64('shape', [...x.shape.slice(0, start).map(() => 0), -1, ...(after as number[])]);
  return g.op('Reshape', [x, target], shape);
});

registerOnnxEmitter(AvgPool2d, (g, m, x) => {
  const { stride, padding = 0, countIncludePad = true, ceilMode = false } = m.options;
  if (ceilMode) throw new ConfigError('exportOnnx', `${g.where}: AvgPool2d with ceilMode is not supported (ONNX's ceil_mode windows differ from PyTorch's at the edge)`);
  const [kH, kW] = pair(m.kernelSize), [sH, sW] = pair(stride ?? m.kernelSize), [pH, pW] = pair(padding);
  const [N, C, H, W] = x.shape;
  return g.op('AveragePool', [x], [N, C, windowOut(g, H, 2 * pH, kH, sH), windowOut(g, W, 2 * pW, kW, sW)], {
    kernel_shape: [kH, kW],
    strides: [sH, sW],
    pads: [pH, pW, pH, pW],
    count_include_pad: countIncludePad ? 1 : 0,
  });
});

// x [N, C, *] → [N, G, −1] → InstanceNormalization (mean and biased variance per (n, g), γ = 1, β = 0) → x's shape
// → ·γ + β per channel (γ, β reshaped to [C, 1, …, 1]); the decomposition torch.onnx used before GroupNormalization
registerOnnxEmitter(GroupNorm, (g, m, x) => {
  const G = m.numGroups, C = m.numChannels, r = x.shape.length;
  const grouped = g.op('Reshape', [x, g.constInt64('groups', [0, G, -1])], [x.shape[0], G, null]);
  const ones = g.constFloat('ones', new Array<number>(G).fill(1)), zeros = g.constFloat('zeros', new Array<number>(G).fill(0));
  const normed = g.op('InstanceNormalization', [grouped, ones, zeros], grouped.shape, { epsilon: { f: m.eps } });
  let y = g.op('Reshape', [normed, g.op('Shape', [x], [r])], x.shape);
  const perChannel = g.constInt64('channel_shape', [C, ...new Array<number>(r - 2).fill(1)]);
  if (m.weight) y = g.mul(y, g.op('Reshape', [g.param(m.weight), perChannel.name], [C, ...new Array<number>(r - 2).fill(1)]));
  if (m.bias) y = g.add(y, g.op('Reshape', [g.param(m.bias), perChannel.name], [C, ...new Array<number>(r - 2).fill(1)]));
  return y;
});

registerOnnxEmitter(LayerNorm, (g, m, x) => {
  if (g.opset < 17) throw new ConfigError('exportOnnx', `${g.where}: LayerNorm needs opset ≥ 17 (LayerNormalization), got opset ${g.opset}`);
  const shape = m.normalizedShape, size = shape.reduce((a, d) => a * d, 1);
  const scale = m.weight ? g.param(m.weight) : g.constFloat('ones', new Array<number>(size).fill(1), shape).name;
  const bias = m.bias ? g.param(m.bias) : g.constFloat('zeros', new Array<number>(size).fill(0), shape).name;
  return g.op('LayerNormalization', [x.name, scale, bias], x.shape, { axis: -shape.length, epsilon: { f: m.eps } });
});
