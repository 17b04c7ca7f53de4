/** Runs a plan by interpreting it node by node with the reference kernels. */
import {
  GlmError,
  bindGraphShapes,
  byteLengthOf,
  encodeInto,
  resolveShape,
  storageView,
  type DeviceTensor,
  type Executable,
  type ExecutionPlan,
  type RunBindings,
} from '../../core/backend-api/plugin-api.js';
import { REFERENCE_KERNELS } from './kernels/index.js';
import { decodeTensor, own } from './host-memory.js';
import { rounded, refTensor, sizeOf, type RefTensor } from './ref-tensor.js';
import type { InProcessGroup } from './in-process-group.js';

/** This executable's place in a tensor-parallel group (absent: a single rank). */
export interface RankOfGroup {
  readonly rank: number;
  readonly group: InProcessGroup;
}

export class ReferenceExecutable implements Executable {
  constructor(
    private readonly plan: ExecutionPlan,
    private readonly member?: RankOfGroup,
  ) {}

  async run(bindings: RunBindings): Promise<void> {
    try {
      await this.interpret(bindings);
    } catch (e) {
      // The other ranks may be waiting in a collective for this one: release them with the reason.
      this.member?.group.abort(e);
      throw e;
    }
  }

  /** all-reduce over the group: the exact float64 sum in rank order, rounded once to the dtype. */
  private async allReduce(x: RefTensor): Promise<RefTensor> {
    if (!this.member) return refTensor(x.dtype, x.shape, Float64Array.from(x.values));
    const sum = await this.member.group.allReduceSum(this.member.rank, x.values);
    return rounded(x.dtype, x.shape, sum);
  }

  private async interpret(bindings: RunBindings): Promise<void> {
    const { graph } = this.plan;
    const shapes: Record<string, readonly number[]> = {};
    for (const [name, t] of Object.entries(bindings.inputs)) shapes[name] = t.shape;
    const dims = bindGraphShapes(graph, shapes);

    const values = new Map<number, RefTensor>();
    for (const id of [...graph.inputs, ...graph.params]) {
      const info = graph.values[id]!;
      const t = bindings.inputs[info.name]!;
      if (t.dtype !== info.type.dtype) {
        throw new GlmError('shape', `"${info.name}" is bound to a ${t.dtype} tensor, the graph declares ${info.type.dtype}`);
      }
      values.set(id, refTensor(t.dtype, t.shape, decodeTensor(t)));
    }
    const context = { resolveShape: (shape: readonly (number | string)[]) => resolveShape(shape, dims) };
    for (const node of graph.nodes) {
      const kernel = REFERENCE_KERNELS[node.op];
      if (!kernel) throw new GlmError('unsupported', `cpu-ref has no kernel for op "${node.op}" (node "${node.name}")`);
      let outs: RefTensor[];
      if (node.op === 'all-reduce') {
        values.set(node.outputs[0]!, await this.allReduce(values.get(node.inputs[0]!)!));
        continue;
      }
      try {
        outs = kernel(node.inputs.map((i) => (i === null ? null : values.get(i)!)), node.attrs, context);
      } catch (e) {
        if (e instanceof GlmError) throw new GlmError(e.kind, `node "${node.name}" (${node.op}): ${e.message}`);
        throw e;
      }
      node.outputs.forEach((o, k) => values.set(o, outs[k]!));
    }
    for (const out of graph.outputs) {
      const result = values.get(out.value)!;
      const target = bindings.outputs[out.name];
      if (!target) throw new GlmError('shape', `no output tensor bound for "${out.name}"`);
      const expected = resolveShape(graph.values[out.value]!.type.shape, dims);
      checkOutput(out.name, target, result, expected);
      writeTensor(target, result.values);
    }
  }

  dispose(): void {}
}

function checkOutput(name: string, target: DeviceTensor, result: RefTensor, expected: readonly number[]): void {
  const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);
  if (!same(result.shape, expected)) {
    throw new GlmError('shape', `output "${name}": computed [${result.shape}], the graph's shape resolves to [${expected}]`);
  }
  if (target.dtype !== result.dtype || !same(target.shape, result.shape)) {
    throw new GlmError('shape', `output "${name}" is ${result.dtype}[${result.shape}], bound tensor is ${target.dtype}[${target.shape}]`);
  }
}

function writeTensor(target: DeviceTensor, values: Float64Array): void {
  const buffer = own(target.buffer);
  const count = sizeOf(target.shape);
  const byteLength = byteLengthOf(target.dtype, count);
  if (target.byteOffset + byteLength > buffer.byteLength) throw new GlmError('backend', 'output tensor lies outside its buffer');
  const bytes = buffer.bytes.subarray(target.byteOffset, target.byteOffset + byteLength);
  const view = storageView(target.dtype, bytes, count);
  encodeInto(target.dtype, values, view);
  if (view.buffer !== buffer.bytes.buffer) bytes.set(new Uint8Array(view.buffer, view.byteOffset, byteLength)); // unaligned view was a copy
  buffer.decoded.clear();
}
