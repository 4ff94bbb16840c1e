/** ONNX export (eval-mode graphs, encoded by this project) and the emitter registry for custom modules. */
export { exportOnnx, saveOnnx, INPUT_NAME, OUTPUT_NAME, type ExportOnnxOptions } from './export.js';
export { registerOnnxEmitter, OnnxGraph, type Emitter, type Value, type AttrValue } from './graph.js';
export { ProtoWriter } from './protobuf.js';
