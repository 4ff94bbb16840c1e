/**
 * `amsunet info` as a function: parameter count, multiply-accumulates (MACs) of one forward pass, and the output
 * shape of every top-level stage. MACs count convolutions and linear layers (the usual convention: a Conv2d with
 * weight [Cout, Cin/g, kH, kW] costs weight.size · Hout · Wout per image; a ConvTranspose2d weight.size · Hin · Win);
 * normalisation, activations and element-wise products are left out.
 */
import { Tensor } from '../tensor/tensor.js';
import { noGrad } from '../autograd/grad-mode.js';
import type { Module } from '../nn/module.js';
import { Conv2d } from '../nn/layers/conv2d.js';
import { ConvTranspose2d } from '../nn/layers/conv-transpose2d.js';
import { Linear } from '../nn/layers/linear.js';
import { buildModel, type ModelName } from './model-config.js';

export interface InfoOptions {
  model: ModelName;
  inChannels: number;
  numClasses: number;
  baseC: number;
  height: number;
  width: number;
}

export interface StageInfo {
  name: string;
  outputShape: number[];
  params: number;
  macs: number;
}

export interface ModelInfo extends InfoOptions {
  params: number;
  macs: number;
  stages: StageInfo[];
  seconds: number;
}

type Forward = (...xs: Tensor[]) => Tensor;

/**
 * A rough upper estimate of the memory modelInfo needs, measured on AMSUnet (float32): about 2600 · baseC²
 * weights, and a peak of about 32 · baseC values per input pixel during the forward pass, plus the input and the
 * logits. modelInfo runs a real forward pass (shapes and MACs are recorded by hooks), so callers check this first.
 */
export function infoBytes(o: InfoOptions): number {
  const pixels = o.height * o.width;
  return 4 * (2600 * o.baseC ** 2 + 32 * o.baseC * pixels + 4 * (o.inChannels + o.numClasses) * pixels);
}

/**
 * A rough estimate of the memory one AMSUnet training step needs (float32): the baseC 32 step on 2x3x256x256 peaks
 * at 2.47 GB resident (forward activations kept for backward, gradients in flight), about 600 · baseC bytes per
 * pixel of each image; plus weights, their gradients and AdamW's two moments (16 bytes per parameter, ~2600 · baseC²
 * parameters) and the batch itself.
 */
export function trainStepBytes(baseC: number, batch: number, size: number, inChannels: number, numClasses: number): number {
  const pixels = batch * size * size;
  return 600 * baseC * pixels + 16 * 2600 * baseC ** 2 + 8 * (inChannels + numClasses) * pixels;
}

/** What `amsunet info` lets modelInfo allocate. */
export const INFO_BYTES_LIMIT = 2 * 1024 ** 3;

export function modelInfo(o: InfoOptions, existing?: Module): ModelInfo {
  const t0 = performance.now();
  const model = existing ?? buildModel(o);
  model.eval();
  let macs = 0;
  const restore: (() => void)[] = [];
  const wrap = (m: Module, after: (args: Tensor[], y: Tensor) => void) => {
    const own = Object.prototype.hasOwnProperty.call(m, 'forward');
    const orig = m.forward as Forward;
    (m as { forward: Forward }).forward = (...args: Tensor[]) => {
      const y = orig.apply(m, args);
      after(args, y);
      return y;
    };
    restore.push(() => {
      if (own) (m as { forward: Forward }).forward = orig;
      else delete (m as { forward?: Forward }).forward;
    });
  };
  for (const m of model.modules()) {
    if (m instanceof Conv2d) wrap(m, (_a, y) => (macs += m.weight.size * y.shape[0] * y.shape[2] * y.shape[3]));
    else if (m instanceof ConvTranspose2d) wrap(m, ([x]) => (macs += m.weight.size * x.shape[0] * x.shape[2] * x.shape[3]));
    else if (m instanceof Linear) wrap(m, (_a, y) => (macs += (m.weight.size * y.size) / m.weight.shape[0]));
  }
  const stages: StageInfo[] = [];
  for (const [name, child] of model.namedChildren()) {
    let before = 0;
    const orig = child.forward as Forward;
    (child as { forward: Forward }).forward = (...args: Tensor[]) => {
      before = macs;
      const y = orig.apply(child, args);
      stages.push({ name, outputShape: [...y.shape], params: child.parameters().reduce((a, p) => a + p.size, 0), macs: macs - before });
      return y;
    };
    restore.push(() => delete (child as { forward?: Forward }).forward);
  }
  try {
    noGrad(() => model.forward(new Tensor(new Float32Array(o.inChannels * o.height * o.width), [1, o.inChannels, o.height, o.width])));
  } finally {
    for (const r of restore.reverse()) r();
  }
  return { ...o, params: model.parameters().reduce((a, p) => a + p.size, 0), macs, stages, seconds: (performance.now() - t0) / 1000 };
}
