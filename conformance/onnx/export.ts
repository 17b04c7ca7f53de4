/**
 * Export a graph of the IR to an ONNX model (opset 18, IR version 8) that onnxruntime can run.
 *
 * Composites are first replaced by their decompositions (ORT has no GLM composites), so the model
 * holds only primitives, each mapped to standard ONNX ops following the op's `semantics`:
 *
 *   matmul        MatMul (b through Transpose of its last two axes when transposeB)
 *   add, mul      Add, Mul
 *   scale         Mul by an f32 scalar constant
 *   layer-norm    LayerNormalization (axis −1, epsilon), in f32 like an fp32 backend
 *   gelu          none: x·½(1 + Erf(x/√2));  tanh: ½x(1 + Tanh(√(2/π)(x + 0.044715x³)))
 *   softmax       Softmax(axis)
 *   cast          float → i32: Round (half to even) → Clip → Cast, with +overflow → INT32_MAX and
 *                 NaN → 0 by Where (ONNX's Cast truncates and leaves overflow undefined);
 *                 i32 → float: Cast; same dtype: Identity
 *   reshape       Reshape (allowzero = 1) by a constant shape: symbolic dims resolved from the input shapes
 *   transpose     Transpose(perm)
 *   split         Split(axis) with a constant sizes input
 *   concat        Concat(axis)
 *   slice         Slice with constant starts/ends/axes (ONNX clamps like python)
 *   gather        Gather(axis) with the i32 indices
 *   masked-fill   Where(Cast(mask → bool), x, value)
 *   glm-mask-fill keep = Less(Range(K), contextLengths[b]) Or LessOrEqual(Range(K), Range(K−Q, K)ᵀ);
 *                 Where(keep, scores, value) — contextLengths stays a run-time input; with length, the
 *                 positions are Range(0, Q) + length − Q and keep is And-ed with Less(Range(K), length)
 *   cache-write   Concat(Slice(cache, 0, offset), update, Slice(cache, offset + S, C)) on axis 2, the
 *                 offset a run-time input (ORT clamps an out-of-range offset; only valid ones are checked)
 *   rotary-table  θ = Cast(positions → f32) · inv_freq, emb = Concat(θ, θ), Cos, Sin, all in f32
 *   top-k         two TopK passes (ONNX breaks ties by the lower index, as the op does): the row sorted by
 *                 value with NaN as 0, then its first k by IsNaN (NaN first), positions mapped back with
 *                 GatherElements; indices Cast to i32 — ONNX leaves NaN's place undefined, this fixes it
 *   log-sum-exp   ReduceLogSumExp over the last axis, keepdims 0 (a rank-1 x gives a scalar)
 *   dequantize    i8: Cast → Mul by scale[:, None];  i4: the packed bytes are fed as uint8 and
 *                 unpacked with BitShift/BitwiseAnd (even element = high nibble), sign-extended
 *                 with Where, interleaved with Concat/Reshape, then Cast → Mul
 *   all-reduce    Identity (worldSize 1; more ranks cannot be expressed in one ONNX model)
 *
 * Floats must be f32: ORT's CPU provider lacks f16/bf16 kernels for most of these ops, so the
 * cross-check widens graphs to f32 first (see f32.ts); an f16/bf16 value is refused here.
 */
import { GlmError } from '../../core/errors.js';
import { resolveShape, type DimBindings } from '../../core/ir/dim.js';
import type { Graph, GraphNode } from '../../core/ir/graph.js';
import { getOp } from '../../core/ir/ops/catalogue.js';
import { lowerForBackend } from '../../core/passes/decompose.js';
import { SUPPORTED, unsupported } from '../../core/backend-api/capability.js';
import { bindGraphShapes } from '../../core/backend-api/graph-shapes.js';
import type { DType } from '../../core/tensor/dtype.js';
import {
  attr,
  encodeModel,
  OnnxType,
  tensorMessage,
  valueInfo,
  type AttributeMessage,
  type NodeMessage,
  type TensorMessage,
  type ValueInfoMessage,
} from './onnx-proto.js';

/** Something the model cannot express in ONNX for ORT's CPU provider: an op, a dtype or an attribute value. */
export class OnnxUnsupportedError extends GlmError {
  constructor(
    readonly what: string,
    readonly reason: string,
  ) {
    super('unsupported', `ONNX export: ${what}: ${reason}`);
  }
}

/** How a graph input is fed to the ONNX model. */
export interface OnnxInputBinding {
  readonly irName: string;
  readonly onnxName: string;
  readonly dtype: DType;
  /** 'plain': the tensor's storage as is; 'i4-packed-u8': an i4 [r, c] tensor's packed bytes as uint8 [r, c/2]. */
  readonly encoding: 'plain' | 'i4-packed-u8';
}

export interface OnnxOutputBinding {
  readonly irName: string;
  readonly onnxName: string;
  readonly dtype: DType;
}

export interface OnnxExport {
  /** The serialized ModelProto. */
  readonly model: Uint8Array;
  /** The primitive graph that was exported (composites decomposed). */
  readonly lowered: Graph;
  readonly inputs: readonly OnnxInputBinding[];
  readonly outputs: readonly OnnxOutputBinding[];
  /** IR op → number of nodes of it exported. */
  readonly irOps: ReadonlyMap<string, number>;
  /** The ONNX op types the model uses. */
  readonly onnxOps: ReadonlySet<string>;
}


/** The IR primitives (and collectives) this exporter maps to ONNX. */
export const EXPORTABLE_OPS: readonly string[] = [
  'matmul', 'add', 'mul', 'scale', 'layer-norm', 'gelu', 'softmax', 'cast', 'reshape', 'transpose', 'split', 'concat',
  'slice', 'gather', 'masked-fill', 'glm-mask-fill', 'rotary-table', 'dequantize', 'all-reduce', 'top-k', 'log-sum-exp', 'cache-write',
];

function onnxType(dtype: DType, what: string): OnnxType {
  switch (dtype) {
    case 'f32':
      return OnnxType.FLOAT;
    case 'i32':
      return OnnxType.INT32;
    case 'i8':
      return OnnxType.INT8;
    case 'f16':
    case 'bf16':
      throw new OnnxUnsupportedError(
        `${what} (${dtype})`,
        'f16/bf16 are not exported: ORT\'s CPU provider lacks half-precision kernels for most ops; widen the graph to f32 first',
      );
    case 'i4':
      throw new OnnxUnsupportedError(`${what} (i4)`, 'i4 is only exported as a graph input feeding dequantize (fed as packed uint8)');
  }
}

/** Lower composites into primitives: ORT has none of the GLM composites. */
export function lowerComposites(graph: Graph): Graph {
  return lowerForBackend(graph, (view) =>
    getOp(view.node.op).kind === 'composite' ? unsupported('ONNX has no GLM composites: exported as the decomposition') : SUPPORTED,
  ).graph;
}

class Emitter {
  readonly nodes: NodeMessage[] = [];
  readonly initializers: TensorMessage[] = [];
  readonly onnxOps = new Set<string>();
  private counter = 0;

  fresh(hint: string): string {
    return `_${hint}_${this.counter++}`;
  }

  node(opType: string, inputs: readonly string[], outputs: readonly string[], attributes: AttributeMessage[] = [], name?: string): void {
    this.onnxOps.add(opType);
    this.nodes.push({ name: name ?? this.fresh(opType), opType, input: [...inputs], output: [...outputs], attribute: attributes });
  }

  /** One-output node with a fresh output name. */
  op(opType: string, inputs: readonly string[], attributes: AttributeMessage[] = [], hint = opType): string {
    const out = this.fresh(hint);
    this.node(opType, inputs, [out], attributes);
    return out;
  }

  private constant(type: OnnxType, dims: readonly number[], data: ArrayBufferView, hint: string): string {
    const name = this.fresh(hint);
    this.initializers.push(tensorMessage(name, type, dims, data));
    return name;
  }

  f32(values: readonly number[], dims: readonly number[] = []): string {
    return this.constant(OnnxType.FLOAT, dims, Float32Array.from(values), 'f32');
  }
  f64(values: readonly number[], dims: readonly number[] = []): string {
    return this.constant(OnnxType.DOUBLE, dims, Float64Array.from(values), 'f64');
  }
  i32(values: readonly number[], dims: readonly number[] = []): string {
    return this.constant(OnnxType.INT32, dims, Int32Array.from(values), 'i32');
  }
  i64(values: readonly number[], dims: readonly number[] = [values.length]): string {
    return this.constant(OnnxType.INT64, dims, BigInt64Array.from(values.map((v) => BigInt(v))), 'i64');
  }
  u8(values: readonly number[], dims: readonly number[] = []): string {
    return this.constant(OnnxType.UINT8, dims, Uint8Array.from(values), 'u8');
  }
}

const INT32_MAX = 2 ** 31 - 1;
/** The largest f32 below 2³¹: clipping to it keeps Cast defined; values ≥ 2³¹ are replaced by INT32_MAX. */
const F32_BELOW_2_31 = 2147483520;

/**
 * Export `graph` for one set of concrete input shapes (by input/param name).
 * Throws OnnxUnsupportedError for an op, dtype or attribute that ONNX/ORT-CPU cannot express.
 */
export function exportGraph(graph: Graph, shapes: Readonly<Record<string, readonly number[]>>): OnnxExport {
  const lowered = lowerComposites(graph);
  const bindings = bindGraphShapes(lowered, shapes);
  const e = new Emitter();
  const names = new Map<number, string>();
  const inputBindings: OnnxInputBinding[] = [];
  const inputInfos: ValueInfoMessage[] = [];
  const irOps = new Map<string, number>();
  const shapeOf = (id: number) => resolveShape(lowered.values[id]!.type.shape, bindings);
  const i4Inputs = new Map<number, string>();

  for (const id of [...lowered.inputs, ...lowered.params]) {
    const v = lowered.values[id]!;
    const shape = shapeOf(id);
    if (v.type.dtype === 'i4') {
      const consumers = lowered.nodes.filter((n) => n.inputs.includes(id));
      if (consumers.some((n) => n.op !== 'dequantize' || n.inputs[0] !== id)) {
        throw new OnnxUnsupportedError(`input "${v.name}" (i4)`, 'i4 tensors are only exported as the q input of dequantize');
      }
      if (shape.length !== 2 || shape[1]! % 2 !== 0) throw new OnnxUnsupportedError(`input "${v.name}" (i4)`, 'i4 must be [rows, even columns]');
      inputInfos.push(valueInfo(v.name, OnnxType.UINT8, [shape[0]!, shape[1]! / 2]));
      inputBindings.push({ irName: v.name, onnxName: v.name, dtype: 'i4', encoding: 'i4-packed-u8' });
      i4Inputs.set(id, v.name);
    } else {
      inputInfos.push(valueInfo(v.name, onnxType(v.type.dtype, `input "${v.name}"`), shape));
      inputBindings.push({ irName: v.name, onnxName: v.name, dtype: v.type.dtype, encoding: 'plain' });
    }
    names.set(id, v.name);
  }

  const nameOf = (id: number | null): string => {
    if (id === null) throw new Error('absent input where one is required');
    const n = names.get(id);
    if (n === undefined) throw new Error(`value ${id} used before it is defined`);
    return n;
  };

  for (const node of lowered.nodes) {
    for (const o of node.outputs) {
      const v = lowered.values[o]!;
      onnxType(v.type.dtype, `output of node "${node.name}" (${node.op})`); // refuses what cannot be exported
      names.set(o, `t${o}`);
    }
    emitNode(e, node, nameOf, shapeOf, (id) => lowered.values[id]!.type.dtype, i4Inputs, bindings);
    irOps.set(node.op, (irOps.get(node.op) ?? 0) + 1);
  }

  const inputNames = new Set(inputBindings.map((b) => b.onnxName));
  const outputBindings: OnnxOutputBinding[] = [];
  const outputInfos: ValueInfoMessage[] = [];
  for (const out of lowered.outputs) {
    const onnxName = inputNames.has(out.name) ? `${out.name}:output` : out.name;
    const dtype = lowered.values[out.value]!.type.dtype;
    e.node('Identity', [nameOf(out.value)], [onnxName], [], `output:${out.name}`);
    outputInfos.push(valueInfo(onnxName, onnxType(dtype, `graph output "${out.name}"`), shapeOf(out.value)));
    outputBindings.push({ irName: out.name, onnxName, dtype });
  }

  const model = encodeModel(
    { name: lowered.name, docString: `exported from the glm-sdk IR graph "${graph.name}"`, node: e.nodes, initializer: e.initializers, input: inputInfos, output: outputInfos },
    'glm-sdk graph exported for the onnxruntime cross-check of the cpu-ref oracle',
  );
  return { model, lowered, inputs: inputBindings, outputs: outputBindings, irOps, onnxOps: e.onnxOps };
}

/** The serialized ModelProto of `graph` for these concrete input shapes. */
export function exportToOnnx(graph: Graph, shapes: Readonly<Record<string, readonly number[]>>): Uint8Array {
  return exportGraph(graph, shapes).model;
}

function emitNode(
  e: Emitter,
  node: GraphNode,
  nameOf: (id: number | null) => string,
  shapeOf: (id: number) => number[],
  dtypeOf: (id: number) => DType,
  i4Inputs: ReadonlyMap<number, string>,
  bindings: DimBindings,
): void {
  const a = node.attrs;
  const ins = node.inputs;
  const outs = node.outputs.map((o) => `t${o}`);
  const out = outs[0]!;
  const what = `node "${node.name}" (${node.op})`;
  switch (node.op) {
    case 'matmul': {
      let b = nameOf(ins[1]!);
      if (a['transposeB'] === true) {
        const rank = shapeOf(ins[1]!).length;
        const perm = [...Array(rank - 2).keys(), rank - 1, rank - 2];
        b = e.op('Transpose', [b], [attr.ints('perm', perm)]);
      }
      e.node('MatMul', [nameOf(ins[0]!), b], [out]);
      return;
    }
    case 'add':
      e.node('Add', [nameOf(ins[0]!), nameOf(ins[1]!)], [out]);
      return;
    case 'mul':
      e.node('Mul', [nameOf(ins[0]!), nameOf(ins[1]!)], [out]);
      return;
    case 'scale':
      e.node('Mul', [nameOf(ins[0]!), e.f32([a['factor'] as number])], [out]);
      return;
    case 'layer-norm': {
      const attributes = [attr.int('axis', -1), attr.float('epsilon', a['eps'] as number)];
      const operands = [nameOf(ins[0]!), nameOf(ins[1]!), nameOf(ins[2]!)];
      e.node('LayerNormalization', operands, [out], attributes);
      return;
    }
    case 'gelu': {
      const x = nameOf(ins[0]!);
      if (a['approximate'] === 'tanh') {
        // ½x(1 + tanh(√(2/π)(x + 0.044715x³)))
        const cube = e.op('Mul', [x, e.op('Mul', [x, x])]);
        const inner = e.op('Mul', [e.op('Add', [x, e.op('Mul', [cube, e.f32([0.044715])])]), e.f32([Math.sqrt(2 / Math.PI)])]);
        const onePlus = e.op('Add', [e.op('Tanh', [inner]), e.f32([1])]);
        e.node('Mul', [e.op('Mul', [x, e.f32([0.5])]), onePlus], [out]);
      } else {
        // x · ½(1 + erf(x/√2))
        const erf = e.op('Erf', [e.op('Mul', [x, e.f32([Math.SQRT1_2])])]);
        const half = e.op('Mul', [e.op('Add', [erf, e.f32([1])]), e.f32([0.5])]);
        e.node('Mul', [x, half], [out]);
      }
      return;
    }
    case 'softmax':
      e.node('Softmax', [nameOf(ins[0]!)], [out], [attr.int('axis', a['axis'] as number)]);
      return;
    case 'cast': {
      const from = dtypeOf(ins[0]!);
      const to = a['to'] as DType;
      const x = nameOf(ins[0]!);
      if (from === to) e.node('Identity', [x], [out]);
      else if (to === 'i32') {
        // Round half to even, saturate, NaN → 0 (ONNX Cast truncates toward zero; overflow is undefined).
        const rounded = e.op('Round', [x]);
        const clipped = e.op('Clip', [rounded, e.f32([-(2 ** 31)]), e.f32([F32_BELOW_2_31])]);
        const casted = e.op('Cast', [clipped], [attr.int('to', OnnxType.INT32)]);
        const overflow = e.op('GreaterOrEqual', [rounded, e.f32([2 ** 31])]);
        const saturated = e.op('Where', [overflow, e.i32([INT32_MAX]), casted]);
        e.node('Where', [e.op('IsNaN', [x]), e.i32([0]), saturated], [out]);
      } else e.node('Cast', [x], [out], [attr.int('to', onnxType(to, what))]);
      return;
    }
    case 'reshape': {
      const target = resolveShape(a['shape'] as readonly (number | string)[], bindings);
      e.node('Reshape', [nameOf(ins[0]!), e.i64(target)], [out], [attr.int('allowzero', 1)]);
      return;
    }
    case 'transpose':
      e.node('Transpose', [nameOf(ins[0]!)], [out], [attr.ints('perm', a['perm'] as number[])]);
      return;
    case 'split':
      e.node('Split', [nameOf(ins[0]!), e.i64(a['sizes'] as number[])], outs, [attr.int('axis', a['axis'] as number)]);
      return;
    case 'concat':
      e.node('Concat', ins.map(nameOf), [out], [attr.int('axis', a['axis'] as number)]);
      return;
    case 'slice':
      e.node('Slice', [nameOf(ins[0]!), e.i64([a['start'] as number]), e.i64([a['end'] as number]), e.i64([a['axis'] as number])], [out]);
      return;
    case 'gather':
      e.node('Gather', [nameOf(ins[0]!), nameOf(ins[1]!)], [out], [attr.int('axis', a['axis'] as number)]);
      return;
    case 'masked-fill': {
      const keep = e.op('Cast', [nameOf(ins[1]!)], [attr.int('to', OnnxType.BOOL)]);
      e.node('Where', [keep, nameOf(ins[0]!), e.f32([a['value'] as number])], [out]);
      return;
    }
    case 'glm-mask-fill': {
      const [batch, , q, k] = shapeOf(ins[0]!) as [number, number, number, number];
      // Key j, query i at absolute position p = K − Q + i (length − Q + i with a length input):
      // keep iff (j < contextLengths[b] or j ≤ p) and j < length.
      const length = ins[2] == null ? null : nameOf(ins[2]);
      const j = e.op('Range', [e.i32([0]), e.i32([k]), e.i32([1])], [], 'keys');
      const positions = length
        ? e.op('Add', [e.op('Range', [e.i32([0]), e.i32([q]), e.i32([1])]), e.op('Sub', [length, e.i32([q])])], [], 'positions')
        : e.op('Range', [e.i32([k - q]), e.i32([k]), e.i32([1])], [], 'positions');
      const p = e.op('Unsqueeze', [positions, e.i64([1])]);
      const causal = e.op('LessOrEqual', [j, p]); // [Q, K]
      const ctx = e.op('Reshape', [nameOf(ins[1]!), e.i64([batch, 1, 1, 1])]);
      const prefix = e.op('Less', [j, ctx]); // [B, 1, 1, K]
      const visible = e.op('Or', [prefix, causal]); // [B, 1, Q, K]
      const keep = length ? e.op('And', [visible, e.op('Less', [j, length])]) : visible;
      e.node('Where', [keep, nameOf(ins[0]!), e.f32([a['value'] as number])], [out]);
      return;
    }
    case 'rotary-table': {
      const dim = a['dim'] as number;
      const base = a['base'] as number;
      const half = dim / 2;
      const invFreq = Array.from({ length: half }, (_, i) => base ** ((-2 * i) / dim));
      const positions = e.op('Unsqueeze', [e.op('Cast', [nameOf(ins[0]!)], [attr.int('to', OnnxType.FLOAT)]), e.i64([1, 3])]); // [B, 1, S, 1]
      const theta = e.op('Mul', [positions, e.f32(invFreq, [half])]);
      const emb = e.op('Concat', [theta, theta], [attr.int('axis', -1)]);
      e.node('Cos', [emb], [outs[0]!]);
      e.node('Sin', [emb], [outs[1]!]);
      return;
    }
    case 'dequantize': {
      const to = a['to'] as DType;
      let q: string;
      if (dtypeOf(ins[0]!) === 'i4') {
        const packed = i4Inputs.get(ins[0]!);
        if (packed === undefined) throw new OnnxUnsupportedError(what, 'its i4 input is not a graph input');
        const [rows, columns] = shapeOf(ins[0]!) as [number, number];
        const nibble = (bits: string) => {
          const f = e.op('Cast', [bits], [attr.int('to', OnnxType.FLOAT)]);
          // Two's complement of a 4-bit value: 8..15 are −8..−1.
          return e.op('Where', [e.op('GreaterOrEqual', [f, e.f32([8])]), e.op('Sub', [f, e.f32([16])]), f]);
        };
        const high = nibble(e.op('BitShift', [packed, e.u8([4])], [attr.string('direction', 'RIGHT')]));
        const low = nibble(e.op('BitwiseAnd', [packed, e.u8([15])]));
        const pairs = e.op('Concat', [e.op('Unsqueeze', [high, e.i64([2])]), e.op('Unsqueeze', [low, e.i64([2])])], [attr.int('axis', 2)]);
        q = e.op('Reshape', [pairs, e.i64([rows, columns])]);
      } else {
        q = e.op('Cast', [nameOf(ins[0]!)], [attr.int('to', OnnxType.FLOAT)]);
      }
      const scale = e.op('Unsqueeze', [nameOf(ins[1]!), e.i64([1])]);
      const product = e.op('Mul', [q, scale]);
      if (to !== 'f32') e.node('Cast', [product], [out], [attr.int('to', onnxType(to, what))]);
      else e.node('Identity', [product], [out]);
      return;
    }
    case 'cache-write': {
      const capacity = shapeOf(ins[0]!)[2]!;
      const steps = shapeOf(ins[1]!)[2]!;
      const cache = nameOf(ins[0]!);
      const offset = nameOf(ins[2]!);
      const one = (v: number) => e.i32([v], [1]); // Slice's starts/ends/axes are 1-D, of the offset's type
      const head = e.op('Slice', [cache, one(0), offset, one(2)]);
      const tail = e.op('Slice', [cache, e.op('Add', [offset, one(steps)]), one(capacity), one(2)]);
      e.node('Concat', [head, nameOf(ins[1]!), tail], [out], [attr.int('axis', 2)]);
      return;
    }
    case 'top-k': {
      const x = nameOf(ins[0]!);
      const n = shapeOf(ins[0]!).at(-1)!;
      const last = attr.int('axis', -1);
      // Pass 1: every element by value, NaNs as 0 (placed among the zeros by index, so by index among themselves).
      const isNan = e.op('IsNaN', [x]);
      const finite = e.op('Where', [isNan, e.f32([0]), x]);
      const byValue = e.fresh('by_value');
      e.node('TopK', [finite, e.i64([n])], [e.fresh('unused'), byValue], [last]);
      // Pass 2: the first k by NaN-ness, NaN first; equal keys keep pass 1's order (the lower position first).
      const nanKey = e.op('GatherElements', [e.op('Cast', [isNan], [attr.int('to', OnnxType.FLOAT)]), byValue], [last]);
      const positions = e.fresh('positions');
      e.node('TopK', [nanKey, e.i64([a['k'] as number])], [e.fresh('unused'), positions], [last]);
      const indices = e.op('GatherElements', [byValue, positions], [last]);
      e.node('GatherElements', [x, indices], [outs[0]!], [last]);
      e.node('Cast', [indices], [outs[1]!], [attr.int('to', OnnxType.INT32)]);
      return;
    }
    case 'log-sum-exp':
      e.node('ReduceLogSumExp', [nameOf(ins[0]!), e.i64([-1])], [out], [attr.int('keepdims', 0)]);
      return;
    case 'all-reduce': {
      if ((a['worldSize'] ?? 1) !== 1) throw new OnnxUnsupportedError(what, 'a reduction over several ranks has no single-model ONNX form');
      e.node('Identity', [nameOf(ins[0]!)], [out]);
      return;
    }
    default:
      throw new OnnxUnsupportedError(what, `no ONNX mapping for op "${node.op}"`);
  }
}
