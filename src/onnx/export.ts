/**
 * ONNX export: the eval-mode computation of a model as an ONNX file, encoded by this project (protobuf.ts), so a
 * model trained here can be served by ONNX Runtime or loaded back into PyTorch (onnx2torch) elsewhere.
 *
 * The graph has one input `input` [N, C, H, W] float32 and one output `out` (the logits [N, classes, H, W] for the
 * segmentation models). Weights are initializers named by their state-dict keys (`down1.2.attn.conv1.weight`),
 * always float32; nodes are named by module path and op (`down1.2.attn.conv1/Conv`).
 *
 * The exported graph is the model's eval-mode forward — BatchNorm with its running statistics, Dropout off —
 * whatever mode the model is in; the model is not modified. How each class becomes ONNX nodes is written in the
 * emitters (emit-layers.ts, emit-amsunet.ts, emit-unet.ts); registerOnnxEmitter teaches it new classes.
 */
import { ConfigError } from '../tensor/errors.js';
import type { Module } from '../nn/module.js';
import { DataType, encodeModel, type NodeRecord } from './onnx-proto.js';
import { OnnxGraph, type Value } from './graph.js';
import './emit-layers.js';
import './emit-amsunet.js';
import './emit-unet.js';

export interface ExportOnnxOptions {
  /** The input shape [N, C, H, W] the graph is built for (sizes that `dynamic*` leave free are only used for checks). */
  inputShape: readonly [number, number, number, number];
  /** ONNX opset, 13–22 (default 17). From 20 on GELU is one Gelu node; before, x·½·(1 + Erf(x/√2)). */
  opset?: number;
  /** Leave the batch size free (dim_param 'N'). */
  dynamicBatch?: boolean;
  /** Leave H and W free (dim_params 'H', 'W'); Up's odd-size padding is then computed in the graph. */
  dynamicSpatial?: boolean;
}

export const INPUT_NAME = 'input';
export const OUTPUT_NAME = 'out';
const MIN_OPSET = 13;
const MAX_OPSET = 22;

/** The IR version that each opset was released with (onnx/helper.py VERSION_TABLE), so older runtimes accept the file. */
function irVersionFor(opset: number): number {
  if (opset <= 14) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  return 10;
}

/** The model's eval-mode forward as the bytes of an .onnx file. */
export function exportOnnx(model: Module, options: ExportOnnxOptions): Uint8Array {
  const { inputShape, opset = 17, dynamicBatch = false, dynamicSpatial = false } = options;
  if (!(Array.isArray(inputShape) && inputShape.length === 4 && inputShape.every((d) => Number.isInteger(d) && d > 0))) {
    throw new ConfigError('exportOnnx', `inputShape must be [N, C, H, W] of positive integers, got ${JSON.stringify(inputShape)}`);
  }
  if (!(Number.isInteger(opset) && opset >= MIN_OPSET && opset <= MAX_OPSET)) {
    throw new ConfigError('exportOnnx', `opset must be an integer in [${MIN_OPSET}, ${MAX_OPSET}], got ${opset}`);
  }
  const [N, C, H, W] = inputShape;
  const input: Value = { name: INPUT_NAME, shape: [dynamicBatch ? 'N' : N, C, dynamicSpatial ? 'H' : H, dynamicSpatial ? 'W' : W] };

  const g = new OnnxGraph(opset, model);
  const result = g.call(model, input);
  const nodes = nameOutput(g, result);

  return encodeModel({
    irVersion: irVersionFor(opset),
    opsetImports: [{ domain: '', version: opset }],
    producerName: 'amsunet-ts',
    docString: `${model.constructor.name} in eval mode: input '${INPUT_NAME}' [N, C, H, W] float32 → '${OUTPUT_NAME}'`,
    metadata: { model: model.constructor.name },
    graph: {
      name: model.constructor.name,
      nodes,
      initializers: g.initializers,
      inputs: [{ name: INPUT_NAME, elemType: DataType.FLOAT, shape: input.shape }],
      outputs: [{ name: OUTPUT_NAME, elemType: DataType.FLOAT, shape: result.shape }],
    },
  });
}

/** The graph's nodes with the result value renamed to `out` (or an Identity to it when no node computes it). */
function nameOutput(g: OnnxGraph, result: Value): NodeRecord[] {
  const producer = g.nodes.findIndex((n) => n.outputs.includes(result.name));
  if (producer < 0) return [...g.nodes, { name: OUTPUT_NAME, opType: 'Identity', inputs: [result.name], outputs: [OUTPUT_NAME], attributes: [] }];
  const rename = (s: string): string => (s === result.name ? OUTPUT_NAME : s);
  return g.nodes.map((n) => ({ ...n, inputs: n.inputs.map(rename), outputs: n.outputs.map(rename) }));
}
