/**
 * The cross-check runs in fp32 (ORT's CPU provider lacks fp16/bf16 kernels for most of the ops): a
 * graph's f16/bf16 values become f32 (and so do the "to" attributes of cast and dequantize), and
 * f16/bf16 input tensors are widened to f32, which is exact. cpu-ref and ORT both run the f32 graph.
 */
import { GraphBuilder, type Value } from '../../core/ir/builder.js';
import type { AttrValue, Graph } from '../../core/ir/graph.js';
import type { DType } from '../../core/tensor/dtype.js';
import { fromFloat64, toFloat64, type HostTensor } from '../../core/tensor/host-tensor.js';

function widen(dtype: DType): DType {
  return dtype === 'f16' || dtype === 'bf16' ? 'f32' : dtype;
}

/** True when the graph has an f16/bf16 value anywhere (the conversion would change something). */
export function hasHalfTypes(graph: Graph): boolean {
  return graph.values.some((v) => v.type.dtype !== widen(v.type.dtype));
}

/** The same graph with every f16/bf16 value and dtype attribute made f32, rebuilt (and so re-type-checked). */
export function toF32Graph(graph: Graph): Graph {
  const b = new GraphBuilder(graph.name);
  const mapped = new Map<number, Value>();
  for (const id of graph.inputs) {
    const v = graph.values[id]!;
    mapped.set(id, b.input(v.name, widen(v.type.dtype), v.type.shape));
  }
  for (const id of graph.params) {
    const v = graph.values[id]!;
    mapped.set(id, b.param(v.name, widen(v.type.dtype), v.type.shape));
  }
  for (const node of graph.nodes) {
    const attrs: Record<string, AttrValue> = { ...node.attrs };
    if (typeof attrs['to'] === 'string') attrs['to'] = widen(attrs['to'] as DType);
    const outs = b.op(node.op, node.inputs.map((i) => (i === null ? null : mapped.get(i)!)), attrs, node.name);
    node.outputs.forEach((o, k) => mapped.set(o, outs[k]!));
  }
  for (const out of graph.outputs) b.output(out.name, mapped.get(out.value)!);
  return b.build();
}

/** f16/bf16 tensors widened to f32 (every f16/bf16 value is an f32 value); others unchanged. */
export function toF32Inputs(inputs: Readonly<Record<string, HostTensor>>): Record<string, HostTensor> {
  const out: Record<string, HostTensor> = {};
  for (const [name, t] of Object.entries(inputs)) {
    out[name] = t.dtype === 'f16' || t.dtype === 'bf16' ? fromFloat64('f32', t.shape, toFloat64(t)) : t;
  }
  return out;
}
