/**
 * Builds graphs op by op. Every node is type-checked when it is added, so a shape error points at
 * the line of model code that made it, with the node's hierarchical name.
 */
import { GlmError } from '../errors.js';
import type { DType } from '../tensor/dtype.js';
import { completeAttrs } from './attrs.js';
import { normalizeDim, type Shape } from './dim.js';
import type { AttrValue, Attrs, Graph, GraphNode, TensorType, ValueInfo, ValueRole } from './graph.js';
import { getOp } from './ops/catalogue.js';
import type { OpName } from './ops/op-names.js';
import { OpTypeError, type OpDefinition } from './op-definition.js';
import type { DecompositionBuilder, Value } from './decomposition-builder.js';

export type { Value };

export class GraphBuilder implements DecompositionBuilder {
  private readonly values: ValueInfo[] = [];
  private readonly nodes: GraphNode[] = [];
  private readonly inputIds: number[] = [];
  private readonly paramIds: number[] = [];
  private readonly outputList: { name: string; value: number }[] = [];
  private readonly usedNames = new Set<string>();
  private readonly scopes: string[] = [];

  constructor(readonly graphName: string) {}

  input(name: string, dtype: DType, shape: Shape): Value {
    const v = this.newValue(name, { dtype, shape: shape.map(normalizeDim) }, 'input');
    this.inputIds.push(v.id);
    return v;
  }

  param(name: string, dtype: DType, shape: Shape): Value {
    const v = this.newValue(name, { dtype, shape: shape.map(normalizeDim) }, 'param');
    this.paramIds.push(v.id);
    return v;
  }

  /** Run `body` with node names prefixed by `prefix.` */
  scope<T>(prefix: string, body: () => T): T {
    this.scopes.push(prefix);
    try {
      return body();
    } finally {
      this.scopes.pop();
    }
  }

  /** Add a node; returns its outputs. */
  op(opName: OpName, given: readonly (Value | null)[], attrs: Record<string, AttrValue> = {}, name?: string): Value[] {
    const def = getOp(opName);
    // Trailing optional inputs may be left out; they are recorded as absent (null).
    const variadic = def.inputs[def.inputs.length - 1]?.variadic === true;
    const inputs = !variadic && given.length < def.inputs.length ? [...given, ...Array<null>(def.inputs.length - given.length).fill(null)] : given;
    const nodeName = this.uniqueName(this.qualified(name ?? opName));
    let completed: Attrs;
    let outTypes: TensorType[];
    try {
      completed = completeAttrs(def, attrs);
      checkInputs(def, inputs.map((v) => v?.type ?? null));
      outTypes = def.inferTypes(
        inputs.map((v) => v?.type ?? null),
        completed,
      ).map((t) => ({ dtype: t.dtype, shape: t.shape.map(normalizeDim) }));
    } catch (e) {
      if (e instanceof OpTypeError) throw new GlmError('shape', `node "${nodeName}" (${opName}): ${e.message}`);
      throw e;
    }
    const outputNames = def.outputs === 'variadic' ? outTypes.map((_, i) => String(i)) : def.outputs;
    const outputs = outTypes.map((t, i) => this.newValue(`${nodeName}:${outputNames[i]}`, t, 'intermediate'));
    this.nodes.push({
      id: this.nodes.length,
      name: nodeName,
      op: def.name,
      inputs: inputs.map((v) => v?.id ?? null),
      outputs: outputs.map((o) => o.id),
      attrs: completed,
    });
    return outputs;
  }

  /** Add a node that has exactly one output. */
  op1(opName: OpName, inputs: readonly (Value | null)[], attrs: Record<string, AttrValue> = {}, name?: string): Value {
    const outs = this.op(opName, inputs, attrs, name);
    if (outs.length !== 1) throw new Error(`op ${opName} has ${outs.length} outputs; use op()`);
    return outs[0]!;
  }

  output(name: string, value: Value): void {
    if (this.outputList.some((o) => o.name === name)) throw new GlmError('shape', `graph output "${name}" defined twice`);
    this.outputList.push({ name, value: value.id });
  }

  build(): Graph {
    return {
      name: this.graphName,
      values: [...this.values],
      nodes: [...this.nodes],
      inputs: [...this.inputIds],
      params: [...this.paramIds],
      outputs: [...this.outputList],
    };
  }

  private qualified(name: string): string {
    return [...this.scopes, name].join('.');
  }

  private uniqueName(base: string): string {
    let name = base;
    for (let i = 1; this.usedNames.has(name); i++) name = `${base}_${i}`;
    this.usedNames.add(name);
    return name;
  }

  private newValue(name: string, type: TensorType, role: ValueRole): Value {
    if (role !== 'intermediate' && this.values.some((v) => v.name === name)) {
      throw new GlmError('shape', `graph "${this.graphName}": value name "${name}" used twice`);
    }
    const info: ValueInfo = { id: this.values.length, name, type, role };
    this.values.push(info);
    return { id: info.id, type };
  }
}

/** Input count, optional slots and dtypes against the op's signature (shared with the validator). */
export function checkInputs(def: OpDefinition, types: readonly (TensorType | null)[]): void {
  const specs = def.inputs;
  const last = specs[specs.length - 1];
  const variadic = last?.variadic === true;
  const required = specs.filter((s) => !s.optional).length;
  if (types.length < required || (!variadic && types.length > specs.length)) {
    const expected = variadic ? `at least ${required}` : required === specs.length ? `${required}` : `${required} to ${specs.length}`;
    throw new OpTypeError(`takes ${expected} inputs, got ${types.length}`);
  }
  types.forEach((t, i) => {
    const spec = specs[Math.min(i, specs.length - 1)]!;
    if (t === null) {
      if (!spec.optional) throw new OpTypeError(`input ${i} "${spec.name}" is required`);
      return;
    }
    if (!spec.dtypes.includes(t.dtype)) {
      throw new OpTypeError(`input ${i} "${spec.name}" has dtype ${t.dtype}, expected one of ${spec.dtypes.join(', ')}`);
    }
  });
}
