/** ONNX export (eval-mode graphs, encoded by this project) and the emitter registry for custom modules. */
export { exportOnnx, INPUT_NAME as ONNX_INPUT_NAME, OUTPUT_NAME as ONNX_OUTPUT_NAME, type ExportOnnxOptions } from './export.js';
export { registerOnnxEmitter, OnnxGraph, type Emitter as OnnxEmitter, type Value as OnnxValue, type AttrValue as OnnxAttrValue } from './graph.js';
export { ProtoWriter } from './protobuf.js';
