/**
 * An ONNX model as plain data, and its protobuf encoding. The field numbers
 * are those of onnx.proto (github.com/onnx/onnx, onnx/onnx.proto); the wire
 * format is written by protobufjs's `Writer` (varints, length-delimited
 * fields). Only the minimal Writer is used, not protobufjs's reflection: that
 * compiles encoders with `new Function`, which a strict Content-Security-Policy
 * forbids in the studio.
 */
import protobuf from 'protobufjs/minimal';

export type OnnxAttribute =
  | { name: string; type: 'int'; value: number }
  | { name: string; type: 'ints'; value: number[] }
  | { name: string; type: 'float'; value: number }
  | { name: string; type: 'string'; value: string };

export interface OnnxNode {
  opType: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attributes: OnnxAttribute[];
}

export type OnnxTensor =
  | { name: string; dims: number[]; dataType: 'float'; values: Float32Array }
  | { name: string; dims: number[]; dataType: 'int64'; values: number[] };

/** A graph input or output: float, with its dimensions (a string names a free one, e.g. the batch). */
export interface OnnxValueInfo {
  name: string;
  dims: (number | string)[];
}

export interface OnnxModel {
  irVersion: number;
  opsetVersion: number;
  producerName: string;
  producerVersion: string;
  docString: string;
  graph: {
    name: string;
    nodes: OnnxNode[];
    initializers: OnnxTensor[];
    inputs: OnnxValueInfo[];
    outputs: OnnxValueInfo[];
  };
  metadata: Record<string, string>;
}

type Writer = protobuf.Writer;

const VARINT = 0;
const FIXED32 = 5;
const DELIMITED = 2;
const tag = (field: number, wireType: number): number => (field << 3) | wireType;

/** TensorProto.DataType */
const DATA_TYPE = { float: 1, int64: 7 } as const;
/** AttributeProto.AttributeType */
const ATTRIBUTE_TYPE = { float: 1, int: 2, string: 3, ints: 7 } as const;

function string(writer: Writer, field: number, value: string): void {
  writer.uint32(tag(field, DELIMITED)).string(value);
}

function int64(writer: Writer, field: number, value: number): void {
  writer.uint32(tag(field, VARINT)).int64(value);
}

/** An embedded message: written into a fork, then length-prefixed. */
function message(writer: Writer, field: number, write: (writer: Writer) => void): void {
  writer.uint32(tag(field, DELIMITED)).fork();
  write(writer);
  writer.ldelim();
}

function attribute(writer: Writer, value: OnnxAttribute): void {
  string(writer, 1, value.name);
  writer.uint32(tag(20, VARINT)).int32(ATTRIBUTE_TYPE[value.type]);
  if (value.type === 'float') writer.uint32(tag(2, FIXED32)).float(value.value);
  else if (value.type === 'int') int64(writer, 3, value.value);
  else if (value.type === 'string') writer.uint32(tag(4, DELIMITED)).bytes(new TextEncoder().encode(value.value));
  else for (const item of value.value) int64(writer, 8, item);
}

function node(writer: Writer, value: OnnxNode): void {
  for (const input of value.inputs) string(writer, 1, input);
  for (const output of value.outputs) string(writer, 2, output);
  string(writer, 3, value.name);
  string(writer, 4, value.opType);
  for (const item of value.attributes) message(writer, 5, (w) => attribute(w, item));
}

function tensor(writer: Writer, value: OnnxTensor): void {
  for (const dim of value.dims) int64(writer, 1, dim);
  writer.uint32(tag(2, VARINT)).int32(DATA_TYPE[value.dataType]);
  string(writer, 8, value.name);
  if (value.dataType === 'float') {
    // raw_data: little-endian bytes, which is how typed arrays hold them on every platform tfjs runs on.
    writer.uint32(tag(9, DELIMITED)).bytes(new Uint8Array(value.values.buffer, value.values.byteOffset, value.values.byteLength));
  } else {
    for (const item of value.values) int64(writer, 7, item);
  }
}

function valueInfo(writer: Writer, value: OnnxValueInfo): void {
  string(writer, 1, value.name);
  // TypeProto { tensor_type (1): Tensor { elem_type (1), shape (2): TensorShapeProto { dim (1): { dim_value (1) | dim_param (2) } } } }
  message(writer, 2, (type) => message(type, 1, (tensorType) => {
    tensorType.uint32(tag(1, VARINT)).int32(DATA_TYPE.float);
    message(tensorType, 2, (shape) => {
      for (const dim of value.dims) {
        message(shape, 1, (d) => (typeof dim === 'number' ? int64(d, 1, dim) : string(d, 2, dim)));
      }
    });
  }));
}

/** The model's bytes, as an `.onnx` file holds them. */
export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  const writer = protobuf.Writer.create();
  int64(writer, 1, model.irVersion);
  string(writer, 2, model.producerName);
  string(writer, 3, model.producerVersion);
  string(writer, 6, model.docString);
  message(writer, 7, (graph) => {
    for (const item of model.graph.nodes) message(graph, 1, (w) => node(w, item));
    string(graph, 2, model.graph.name);
    for (const item of model.graph.initializers) message(graph, 5, (w) => tensor(w, item));
    for (const item of model.graph.inputs) message(graph, 11, (w) => valueInfo(w, item));
    for (const item of model.graph.outputs) message(graph, 12, (w) => valueInfo(w, item));
  });
  // OperatorSetIdProto: the default domain (empty string) at the opset version.
  message(writer, 8, (opset) => int64(opset, 2, model.opsetVersion));
  for (const [key, value] of Object.entries(model.metadata)) {
    message(writer, 14, (entry) => {
      string(entry, 1, key);
      string(entry, 2, value);
    });
  }
  return writer.finish();
}
