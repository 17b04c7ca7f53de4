/**
 * The part of onnx.proto (proto2) that an exported model needs, declared through protobufjs's
 * reflection API (no .proto file, no code generation), and the encoder of a ModelProto.
 * Field numbers are those of onnx/onnx.proto; names are camelCase as protobufjs uses them.
 */
import protobuf from 'protobufjs/light.js';

/** `TensorProto.DataType` values used here. */
export const OnnxType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
} as const;
export type OnnxType = (typeof OnnxType)[keyof typeof OnnxType];

/** `AttributeProto.AttributeType`. */
const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const;

const SCHEMA: protobuf.INamespace = {
  nested: {
    OperatorSetIdProto: {
      edition: 'proto2',
      fields: { domain: { type: 'string', id: 1 }, version: { type: 'int64', id: 2 } },
    },
    TensorProto: {
      edition: 'proto2',
      fields: {
        dims: { rule: 'repeated', type: 'int64', id: 1 },
        dataType: { type: 'int32', id: 2 },
        name: { type: 'string', id: 8 },
        rawData: { type: 'bytes', id: 9 },
      },
    },
    AttributeProto: {
      edition: 'proto2',
      fields: {
        name: { type: 'string', id: 1 },
        f: { type: 'float', id: 2 },
        i: { type: 'int64', id: 3 },
        s: { type: 'bytes', id: 4 },
        t: { type: 'TensorProto', id: 5 },
        floats: { rule: 'repeated', type: 'float', id: 7 },
        ints: { rule: 'repeated', type: 'int64', id: 8 },
        type: { type: 'int32', id: 20 },
      },
    },
    NodeProto: {
      edition: 'proto2',
      fields: {
        input: { rule: 'repeated', type: 'string', id: 1 },
        output: { rule: 'repeated', type: 'string', id: 2 },
        name: { type: 'string', id: 3 },
        opType: { type: 'string', id: 4 },
        attribute: { rule: 'repeated', type: 'AttributeProto', id: 5 },
        domain: { type: 'string', id: 7 },
      },
    },
    TensorShapeProto: {
      edition: 'proto2',
      fields: { dim: { rule: 'repeated', type: 'Dimension', id: 1 } },
      nested: {
        Dimension: {
          fields: { dimValue: { type: 'int64', id: 1 }, dimParam: { type: 'string', id: 2 } },
        },
      },
    },
    TypeProto: {
      edition: 'proto2',
      fields: { tensorType: { type: 'TensorTypeProto', id: 1 } },
    },
    // TypeProto.Tensor, declared at top level (the nesting only affects the name, not the wire format).
    TensorTypeProto: {
      edition: 'proto2',
      fields: { elemType: { type: 'int32', id: 1 }, shape: { type: 'TensorShapeProto', id: 2 } },
    },
    ValueInfoProto: {
      edition: 'proto2',
      fields: { name: { type: 'string', id: 1 }, type: { type: 'TypeProto', id: 2 } },
    },
    GraphProto: {
      edition: 'proto2',
      fields: {
        node: { rule: 'repeated', type: 'NodeProto', id: 1 },
        name: { type: 'string', id: 2 },
        initializer: { rule: 'repeated', type: 'TensorProto', id: 5 },
        docString: { type: 'string', id: 10 },
        input: { rule: 'repeated', type: 'ValueInfoProto', id: 11 },
        output: { rule: 'repeated', type: 'ValueInfoProto', id: 12 },
      },
    },
    ModelProto: {
      edition: 'proto2',
      fields: {
        irVersion: { type: 'int64', id: 1 },
        producerName: { type: 'string', id: 2 },
        producerVersion: { type: 'string', id: 3 },
        docString: { type: 'string', id: 6 },
        graph: { type: 'GraphProto', id: 7 },
        opsetImport: { rule: 'repeated', type: 'OperatorSetIdProto', id: 8 },
      },
    },
  },
};

let root: protobuf.Root | undefined;
function modelType(): protobuf.Type {
  root ??= protobuf.Root.fromJSON(SCHEMA);
  return root.lookupType('ModelProto');
}

// ------------------------------------------------------------------------------------------------
// Plain objects in the shape of the messages above.

export interface TensorMessage {
  name: string;
  dims: number[];
  dataType: OnnxType;
  rawData: Uint8Array;
}

export type AttributeMessage =
  | { name: string; type: typeof AttributeType.FLOAT; f: number }
  | { name: string; type: typeof AttributeType.INT; i: number }
  | { name: string; type: typeof AttributeType.STRING; s: Uint8Array }
  | { name: string; type: typeof AttributeType.TENSOR; t: TensorMessage }
  | { name: string; type: typeof AttributeType.INTS; ints: number[] };

export interface NodeMessage {
  name: string;
  opType: string;
  input: string[];
  output: string[];
  attribute: AttributeMessage[];
}

export interface ValueInfoMessage {
  name: string;
  type: { tensorType: { elemType: OnnxType; shape: { dim: { dimValue: number }[] } } };
}

export interface GraphMessage {
  name: string;
  docString: string;
  node: NodeMessage[];
  initializer: TensorMessage[];
  input: ValueInfoMessage[];
  output: ValueInfoMessage[];
}

export const IR_VERSION = 8;
export const OPSET = 18;

export function encodeModel(graph: GraphMessage, docString: string): Uint8Array {
  const type = modelType();
  const message = type.fromObject({
    irVersion: IR_VERSION,
    producerName: 'glm-sdk conformance/onnx',
    producerVersion: '1',
    docString,
    graph,
    opsetImport: [{ domain: '', version: OPSET }],
  });
  return type.encode(message).finish();
}

// ------------------------------------------------------------------------------------------------
// Attribute constructors.

export const attr = {
  float: (name: string, f: number): AttributeMessage => ({ name, type: AttributeType.FLOAT, f }),
  int: (name: string, i: number): AttributeMessage => ({ name, type: AttributeType.INT, i }),
  string: (name: string, s: string): AttributeMessage => ({ name, type: AttributeType.STRING, s: new TextEncoder().encode(s) }),
  ints: (name: string, ints: readonly number[]): AttributeMessage => ({ name, type: AttributeType.INTS, ints: [...ints] }),
};

export function valueInfo(name: string, elemType: OnnxType, shape: readonly number[]): ValueInfoMessage {
  return { name, type: { tensorType: { elemType, shape: { dim: shape.map((d) => ({ dimValue: d })) } } } };
}

/** A tensor with its data as little-endian raw bytes (every platform ORT runs on here is little-endian). */
export function tensorMessage(name: string, dataType: OnnxType, dims: readonly number[], data: ArrayBufferView): TensorMessage {
  return { name, dataType, dims: [...dims], rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice() };
}
