/**
 * An ONNX model as plain data, and its protobuf encoding. The field numbers
 * are those of onnx.proto (github.com/onnx/onnx, onnx/onnx.proto); the wire
 * format is written by protobufjs's `Writer` (varints, length-delimited
 * fields). Only the minimal Writer is used, not protobufjs's reflection: that
 * compiles encoders with `new Function`, which a strict Content-Security-Policy
 * forbids in the studio.
 */
import protobuf from 'protobufjs/minimal.js';

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

// ─── Reading ──────────────────────────────────────────────────────────────────
// The same field numbers, read with protobufjs's minimal Reader (no reflection,
// so no `new Function`): what the ONNX import (src/engine/io/onnx) needs.

/** A tensor as a file holds it: floats as float32, integer and boolean types as numbers. */
export interface DecodedTensor {
  name: string;
  dims: number[];
  /** TensorProto.DataType (1 float, 6 int32, 7 int64, 9 bool, 10 float16, 11 double…). */
  dataType: number;
  /** Float types (float, double) as float32; integer types as numbers. */
  values: Float32Array | number[];
  /** Stored outside the file (data_location EXTERNAL or external_data entries). */
  external: boolean;
}

export type DecodedAttribute =
  | { name: string; type: 'float'; value: number }
  | { name: string; type: 'int'; value: number }
  | { name: string; type: 'string'; value: string }
  | { name: string; type: 'tensor'; value: DecodedTensor }
  | { name: string; type: 'floats'; value: number[] }
  | { name: string; type: 'ints'; value: number[] }
  | { name: string; type: 'other'; value: null };

export interface DecodedNode {
  opType: string;
  domain: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attributes: Map<string, DecodedAttribute>;
}

/** A graph input or output: its element type and dimensions (a string names a free one; undefined: unknown). */
export interface DecodedValueInfo {
  name: string;
  elemType: number;
  dims: (number | string | undefined)[] | undefined;
}

export interface DecodedModel {
  irVersion: number;
  producerName: string;
  producerVersion: string;
  /** opset_import: the version of each operator domain ('' is the default ONNX domain). */
  opsets: Map<string, number>;
  metadata: Map<string, string>;
  graph: {
    name: string;
    nodes: DecodedNode[];
    initializers: DecodedTensor[];
    inputs: DecodedValueInfo[];
    outputs: DecodedValueInfo[];
  };
}

type Reader = protobuf.Reader;
type Long = { toNumber(): number };

const toNumber = (value: number | Long): number => (typeof value === 'number' ? value : value.toNumber());
const readInt64 = (reader: Reader): number => toNumber(reader.int64() as unknown as number | Long);
const readString = (reader: Reader): string => reader.string();

/** Calls `field` for each field of the message that ends at `end`; unknown fields are skipped. */
function fields(reader: Reader, end: number, field: (number: number, wireType: number) => boolean | void): void {
  while (reader.pos < end) {
    const key = reader.uint32();
    if (field(key >>> 3, key & 7) !== true) reader.skipType(key & 7);
  }
}

/** A repeated scalar field, packed (one length-delimited run) or not. */
function repeated<T>(reader: Reader, wireType: number, read: () => T, into: T[]): void {
  if (wireType === DELIMITED) {
    const end = reader.uint32() + reader.pos;
    while (reader.pos < end) into.push(read());
  } else into.push(read());
}

const messageEnd = (reader: Reader): number => reader.uint32() + reader.pos;

function readTensor(reader: Reader, end: number): DecodedTensor {
  const tensor = { name: '', dims: [] as number[], dataType: 0, external: false };
  const floats: number[] = [];
  const ints: number[] = [];
  let raw: Uint8Array | undefined;
  fields(reader, end, (field, wireType) => {
    if (field === 1) repeated(reader, wireType, () => readInt64(reader), tensor.dims);
    else if (field === 2) tensor.dataType = reader.int32();
    else if (field === 4) repeated(reader, wireType, () => reader.float(), floats);
    else if (field === 5) repeated(reader, wireType, () => reader.int32(), ints);
    else if (field === 7) repeated(reader, wireType, () => readInt64(reader), ints);
    else if (field === 8) tensor.name = readString(reader);
    else if (field === 9) raw = reader.bytes();
    else if (field === 10) repeated(reader, wireType, () => reader.double(), floats);
    else if (field === 11) repeated(reader, wireType, () => toNumber(reader.uint64() as unknown as number | Long), ints);
    else if (field === 13) { tensor.external = true; return false; }
    else if (field === 14) tensor.external = reader.int32() === 1;
    else return false;
    return true;
  });
  return { ...tensor, values: tensorValues(tensor.dataType, raw, floats, ints) };
}

/** The values of a tensor from raw_data (little-endian) or its typed fields. */
function tensorValues(dataType: number, raw: Uint8Array | undefined, floats: number[], ints: number[]): Float32Array | number[] {
  const isFloat = dataType === 1 || dataType === 11;
  if (!raw) return isFloat ? Float32Array.from(floats) : ints;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const size: Record<number, number> = { 1: 4, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 8, 9: 1, 11: 8, 12: 4, 13: 8 };
  const bytes = size[dataType];
  if (bytes === undefined) return [];
  const count = Math.floor(raw.byteLength / bytes);
  const read = (i: number): number => {
    const at = i * bytes;
    switch (dataType) {
      case 1: return view.getFloat32(at, true);
      case 11: return view.getFloat64(at, true);
      case 2: case 9: return view.getUint8(at);
      case 3: return view.getInt8(at);
      case 4: return view.getUint16(at, true);
      case 5: return view.getInt16(at, true);
      case 6: return view.getInt32(at, true);
      case 12: return view.getUint32(at, true);
      case 7: return Number(view.getBigInt64(at, true));
      default: return Number(view.getBigUint64(at, true));
    }
  };
  // A copy: in Node the reader hands out views of the file (Buffer slices), at any byte offset.
  if (dataType === 1) return new Float32Array(new Uint8Array(raw).buffer, 0, count);
  if (isFloat) return Float32Array.from({ length: count }, (_, i) => read(i));
  return Array.from({ length: count }, (_, i) => read(i));
}

function readAttribute(reader: Reader, end: number): DecodedAttribute {
  let name = '';
  let type = 0;
  const scalars: { f?: number; i?: number; s?: Uint8Array; t?: DecodedTensor } = {};
  const floats: number[] = [];
  const ints: number[] = [];
  fields(reader, end, (field, wireType) => {
    if (field === 1) name = readString(reader);
    else if (field === 20) type = reader.int32();
    else if (field === 2) scalars.f = reader.float();
    else if (field === 3) scalars.i = readInt64(reader);
    else if (field === 4) scalars.s = reader.bytes();
    else if (field === 5) scalars.t = readTensor(reader, messageEnd(reader));
    else if (field === 7) repeated(reader, wireType, () => reader.float(), floats);
    else if (field === 8) repeated(reader, wireType, () => readInt64(reader), ints);
    else return false;
    return true;
  });
  switch (type) {
    case 1: return { name, type: 'float', value: scalars.f ?? 0 };
    case 2: return { name, type: 'int', value: scalars.i ?? 0 };
    case 3: return { name, type: 'string', value: new TextDecoder().decode(scalars.s ?? new Uint8Array()) };
    case 4: return scalars.t ? { name, type: 'tensor', value: scalars.t } : { name, type: 'other', value: null };
    case 6: return { name, type: 'floats', value: floats };
    case 7: return { name, type: 'ints', value: ints };
    default: return { name, type: 'other', value: null };
  }
}

function readNode(reader: Reader, end: number): DecodedNode {
  const node: DecodedNode = { opType: '', domain: '', name: '', inputs: [], outputs: [], attributes: new Map() };
  fields(reader, end, (field) => {
    if (field === 1) node.inputs.push(readString(reader));
    else if (field === 2) node.outputs.push(readString(reader));
    else if (field === 3) node.name = readString(reader);
    else if (field === 4) node.opType = readString(reader);
    else if (field === 7) node.domain = readString(reader);
    else if (field === 5) {
      const attribute = readAttribute(reader, messageEnd(reader));
      node.attributes.set(attribute.name, attribute);
    } else return false;
    return true;
  });
  return node;
}

function readValueInfo(reader: Reader, end: number): DecodedValueInfo {
  const info: DecodedValueInfo = { name: '', elemType: 0, dims: undefined };
  fields(reader, end, (field) => {
    if (field === 1) info.name = readString(reader);
    else if (field === 2) {
      // TypeProto.tensor_type (1) → elem_type (1), shape (2) → dim (1) → dim_value (1) | dim_param (2)
      fields(reader, messageEnd(reader), (typeField) => {
        if (typeField !== 1) return false;
        fields(reader, messageEnd(reader), (tensorField) => {
          if (tensorField === 1) info.elemType = reader.int32();
          else if (tensorField === 2) {
            info.dims = [];
            fields(reader, messageEnd(reader), (shapeField) => {
              if (shapeField !== 1) return false;
              let dim: number | string | undefined;
              fields(reader, messageEnd(reader), (dimField) => {
                if (dimField === 1) dim = readInt64(reader);
                else if (dimField === 2) dim = readString(reader);
                else return false;
                return true;
              });
              info.dims!.push(dim);
              return true;
            });
          } else return false;
          return true;
        });
        return true;
      });
    } else return false;
    return true;
  });
  return info;
}

/** Reads an `.onnx` file's bytes. Throws protobufjs's errors on a damaged file; the caller words them. */
export function decodeOnnxModel(bytes: Uint8Array): DecodedModel {
  const reader = protobuf.Reader.create(bytes);
  const model: DecodedModel = {
    irVersion: 0, producerName: '', producerVersion: '', opsets: new Map(), metadata: new Map(),
    graph: { name: '', nodes: [], initializers: [], inputs: [], outputs: [] },
  };
  let sawGraph = false;
  fields(reader, bytes.byteLength, (field) => {
    if (field === 1) model.irVersion = readInt64(reader);
    else if (field === 2) model.producerName = readString(reader);
    else if (field === 3) model.producerVersion = readString(reader);
    else if (field === 7) {
      sawGraph = true;
      fields(reader, messageEnd(reader), (graphField) => {
        const graph = model.graph;
        if (graphField === 1) graph.nodes.push(readNode(reader, messageEnd(reader)));
        else if (graphField === 2) graph.name = readString(reader);
        else if (graphField === 5) graph.initializers.push(readTensor(reader, messageEnd(reader)));
        else if (graphField === 11) graph.inputs.push(readValueInfo(reader, messageEnd(reader)));
        else if (graphField === 12) graph.outputs.push(readValueInfo(reader, messageEnd(reader)));
        else return false;
        return true;
      });
    } else if (field === 8) {
      let domain = '';
      let version = 0;
      fields(reader, messageEnd(reader), (opsetField) => {
        if (opsetField === 1) domain = readString(reader);
        else if (opsetField === 2) version = readInt64(reader);
        else return false;
        return true;
      });
      model.opsets.set(domain, version);
    } else if (field === 14) {
      let key = '';
      let value = '';
      fields(reader, messageEnd(reader), (entryField) => {
        if (entryField === 1) key = readString(reader);
        else if (entryField === 2) value = readString(reader);
        else return false;
        return true;
      });
      model.metadata.set(key, value);
    } else return false;
    return true;
  });
  if (!sawGraph) throw new Error('no graph');
  return model;
}
