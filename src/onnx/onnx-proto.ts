/**
 * The subset of ONNX's protobuf schema (onnx/onnx.proto, proto2) that an exported inference model uses, as plain
 * TypeScript records, and their encoders. Field numbers are cited from onnx.proto next to each write.
 */
import { ProtoWriter } from './protobuf.js';

/** TensorProto.DataType (the element types we write). */
export const DataType = { FLOAT: 1, INT32: 6, INT64: 7, DOUBLE: 11 } as const;
export type DataTypeCode = (typeof DataType)[keyof typeof DataType];

/** AttributeProto.AttributeType. */
export const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

/** A tensor value: little-endian element bytes in raw_data. */
export interface TensorRecord {
  name: string;
  dataType: DataTypeCode;
  dims: readonly number[];
  rawData: Uint8Array;
}

export type AttributeRecord =
  | { name: string; type: 'float'; value: number }
  | { name: string; type: 'int'; value: number }
  | { name: string; type: 'string'; value: string }
  | { name: string; type: 'floats'; value: readonly number[] }
  | { name: string; type: 'ints'; value: readonly number[] }
  | { name: string; type: 'tensor'; value: TensorRecord };

export interface NodeRecord {
  name: string;
  opType: string;
  /** Value names; '' marks an omitted optional input (e.g. Resize's roi). */
  inputs: readonly string[];
  outputs: readonly string[];
  attributes: readonly AttributeRecord[];
}

/** One dimension: a fixed size, a symbolic name (dim_param, e.g. 'N'), or null for unknown. */
export type Dim = number | string | null;

export interface ValueInfoRecord {
  name: string;
  elemType: DataTypeCode;
  shape: readonly Dim[];
}

export interface GraphRecord {
  name: string;
  nodes: readonly NodeRecord[];
  initializers: readonly TensorRecord[];
  inputs: readonly ValueInfoRecord[];
  outputs: readonly ValueInfoRecord[];
  docString?: string;
}

export interface ModelRecord {
  irVersion: number;
  /** OperatorSetIdProto entries; domain '' is the default ONNX operator set. */
  opsetImports: readonly { domain: string; version: number }[];
  producerName: string;
  producerVersion?: string;
  docString?: string;
  graph: GraphRecord;
  metadata?: Readonly<Record<string, string>>;
}

/** ModelProto → bytes (the content of a .onnx file). */
export function encodeModel(m: ModelRecord): Uint8Array {
  const w = new ProtoWriter();
  w.int(1, m.irVersion); //                                          ModelProto.ir_version = 1
  w.string(2, m.producerName); //                                    ModelProto.producer_name = 2
  if (m.producerVersion) w.string(3, m.producerVersion); //         ModelProto.producer_version = 3
  if (m.docString) w.string(6, m.docString); //                      ModelProto.doc_string = 6
  w.message(7, (g) => writeGraph(g, m.graph)); //                    ModelProto.graph = 7
  for (const op of m.opsetImports) {
    w.message(8, (o) => {
      //                                                             ModelProto.opset_import = 8 (OperatorSetIdProto)
      if (op.domain) o.string(1, op.domain); //                       OperatorSetIdProto.domain = 1
      o.int(2, op.version); //                                        OperatorSetIdProto.version = 2
    });
  }
  for (const [key, value] of Object.entries(m.metadata ?? {})) {
    w.message(14, (e) => e.string(1, key).string(2, value)); //      ModelProto.metadata_props = 14 (StringStringEntryProto key = 1, value = 2)
  }
  return w.finish();
}

function writeGraph(w: ProtoWriter, g: GraphRecord): void {
  for (const n of g.nodes) w.message(1, (m) => writeNode(m, n)); //              GraphProto.node = 1
  w.string(2, g.name); //                                                        GraphProto.name = 2
  for (const t of g.initializers) w.message(5, (m) => writeTensor(m, t)); //     GraphProto.initializer = 5
  if (g.docString) w.string(10, g.docString); //                                 GraphProto.doc_string = 10
  for (const v of g.inputs) w.message(11, (m) => writeValueInfo(m, v)); //       GraphProto.input = 11
  for (const v of g.outputs) w.message(12, (m) => writeValueInfo(m, v)); //      GraphProto.output = 12
}

function writeNode(w: ProtoWriter, n: NodeRecord): void {
  for (const i of n.inputs) w.string(1, i); //                                   NodeProto.input = 1
  for (const o of n.outputs) w.string(2, o); //                                  NodeProto.output = 2
  w.string(3, n.name); //                                                        NodeProto.name = 3
  w.string(4, n.opType); //                                                      NodeProto.op_type = 4
  for (const a of n.attributes) w.message(5, (m) => writeAttribute(m, a)); //   NodeProto.attribute = 5
}

function writeAttribute(w: ProtoWriter, a: AttributeRecord): void {
  w.string(1, a.name); //                                                        AttributeProto.name = 1
  switch (a.type) {
    case 'float':
      w.float(2, a.value).int(20, AttributeType.FLOAT); //                       AttributeProto.f = 2, type = 20
      break;
    case 'int':
      w.int(3, a.value).int(20, AttributeType.INT); //                           AttributeProto.i = 3
      break;
    case 'string':
      w.string(4, a.value).int(20, AttributeType.STRING); //                     AttributeProto.s = 4
      break;
    case 'tensor':
      w.message(5, (t) => writeTensor(t, a.value)).int(20, AttributeType.TENSOR); // AttributeProto.t = 5
      break;
    case 'floats':
      // repeated float floats = 7 is not declared packed (proto2), so one I32 field per element
      for (const f of a.value) w.float(7, f);
      w.int(20, AttributeType.FLOATS);
      break;
    case 'ints':
      for (const i of a.value) w.int(8, i); //                                   AttributeProto.ints = 8 (unpacked, proto2)
      w.int(20, AttributeType.INTS);
      break;
  }
}

function writeTensor(w: ProtoWriter, t: TensorRecord): void {
  for (const d of t.dims) w.int(1, d); //                                        TensorProto.dims = 1 (repeated int64, unpacked in proto2)
  w.int(2, t.dataType); //                                                       TensorProto.data_type = 2
  w.string(8, t.name); //                                                        TensorProto.name = 8
  w.bytes(9, t.rawData); //                                                      TensorProto.raw_data = 9
}

function writeValueInfo(w: ProtoWriter, v: ValueInfoRecord): void {
  w.string(1, v.name); //                                                        ValueInfoProto.name = 1
  w.message(2, (type) =>
    //                                                                           ValueInfoProto.type = 2 (TypeProto)
    type.message(1, (tt) => {
      //                                                                         TypeProto.tensor_type = 1 (TypeProto.Tensor)
      tt.int(1, v.elemType); //                                                  TypeProto.Tensor.elem_type = 1
      tt.message(2, (shape) => {
        //                                                                       TypeProto.Tensor.shape = 2 (TensorShapeProto)
        for (const d of v.shape) {
          shape.message(1, (dim) => {
            //                                                                   TensorShapeProto.dim = 1 (Dimension)
            if (typeof d === 'number') dim.int(1, d); //                         Dimension.dim_value = 1
            else if (typeof d === 'string') dim.string(2, d); //                 Dimension.dim_param = 2
          });
        }
      });
    }),
  );
}
