/**
 * Test helpers for the ONNX export: running a file in onnxruntime-web's wasm backend inside Node, and decoding it
 * with an independent protobuf implementation (the protobufjs ONNX schema that onnxruntime-web ships).
 *
 * onnxruntime-web needs no network and no native addon: its .wasm ships in node_modules/onnxruntime-web/dist and
 * is loaded from there (wasmPaths), on one thread (the machine's 2 cores are shared by the test workers).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as ort from 'onnxruntime-web';
import { Tensor } from '../../src/tensor/tensor.js';
import type { Module } from '../../src/nn/module.js';
import { BatchNorm2d } from '../../src/nn/layers/batch-norm2d.js';
import { Generator } from '../../src/tensor/rng.js';
import { maxAbsDiff } from '../helpers/close.js';

const require = createRequire(import.meta.url);
const ortRoot = dirname(dirname(require.resolve('onnxruntime-web'))); // .../onnxruntime-web (main is dist/ort.node.min.js)
ort.env.wasm.numThreads = 1;
ort.env.wasm.wasmPaths = pathToFileURL(join(ortRoot, 'dist') + '/').href;

/** The `onnx` namespace of protobufjs classes generated from onnx.proto (ModelProto.decode, ...). */
export const onnxSchema: any = require(join(ortRoot, 'lib/onnxjs/ort-schema/protobuf/onnx.js')).onnx;

/** protobufjs's own Writer, an independent oracle for our ProtoWriter. */
export const PbWriter: any = require(require.resolve('protobufjs/minimal', { paths: [ortRoot] })).Writer;

/** Run the model's `input` → `out` once on the wasm backend; the output as a Tensor. */
export async function runOnnx(model: Uint8Array, x: Tensor): Promise<Tensor> {
  const session = await ort.InferenceSession.create(model, { executionProviders: ['wasm'] });
  try {
    const { out } = await session.run({ input: new ort.Tensor('float32', Float32Array.from(x.data), [...x.shape]) });
    return new Tensor(Float32Array.from(out.data as Float32Array), out.dims);
  } finally {
    await session.release();
  }
}

/** max |a − b| over two tensors of one shape. */
export function maxAbsDiffTensors(a: Tensor, b: Tensor): number {
  if (a.shape.join() !== b.shape.join()) throw new Error(`shape [${a.shape}] vs [${b.shape}]`);
  return maxAbsDiff(a.data, b.data);
}

/**
 * Give every BatchNorm2d non-trivial eval statistics and affine parameters (a fresh model has mean 0, var 1,
 * γ 1, β 0, which would hide a wrong input order or a missing ε): mean ~ N(0, 0.3), var ~ U(0.5, 2),
 * γ ~ U(0.5, 1.5), β ~ N(0, 0.2).
 */
export function randomizeBatchNorm(model: Module, seed: number): void {
  const g = new Generator(seed);
  for (const m of model.modules()) {
    if (!(m instanceof BatchNorm2d)) continue;
    m.runningMean!.data.forEach((_, i, a) => (a[i] = 0.3 * g.normal()));
    m.runningVar!.data.forEach((_, i, a) => (a[i] = 0.5 + 1.5 * g.uniform()));
    m.weight?.data.forEach((_, i, a) => (a[i] = 0.5 + g.uniform()));
    m.bias?.data.forEach((_, i, a) => (a[i] = 0.2 * g.normal()));
  }
}
