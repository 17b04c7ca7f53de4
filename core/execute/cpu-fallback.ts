/**
 * Explicit CPU fallback (never silent): when the caller asks for it, the nodes a backend cannot run
 * go to a fallback backend (cpu-ref) and everything else stays on the backend. The graph is cut into
 * segments of consecutive nodes on one side; values crossing between sides go through host memory.
 * The split is reported so the CLI can print it.
 */
import { GraphBuilder, type Value } from '../ir/builder.js';
import type { Graph } from '../ir/graph.js';
import { allocateTensor, downloadTensor, freeTensor, uploadTensor } from '../backend-api/device-tensors.js';
import { bindGraphShapes, outputShapes } from '../backend-api/graph-shapes.js';
import type { Backend, DeviceTensor, Executable, ExecutionPlan, RunBindings } from '../backend-api/plugin-contract.js';

export interface FallbackSplit {
  readonly backend: string;
  readonly fallback: string;
  /** Nodes run by the fallback, by name and op. */
  readonly fallbackNodes: readonly { node: string; op: string; reason: string }[];
  readonly backendNodeCount: number;
  readonly segments: number;
}

type Side = 'backend' | 'fallback';

interface Segment {
  readonly side: Side;
  readonly graph: Graph;
}

/**
 * A segment may see a symbolic size only inside a sum ("past+seq" of a cache it receives), which its
 * backend cannot solve from its inputs. So every segment also takes one tiny "witness" input per
 * symbol of the whole graph, an i8 tensor of shape [symbol], and every size stays resolvable.
 */
const WITNESS_PREFIX = 'dim:';

function graphSymbols(graph: Graph): string[] {
  const symbols = new Set<string>();
  for (const id of [...graph.inputs, ...graph.params]) {
    for (const d of graph.values[id]!.type.shape) if (typeof d === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(d)) symbols.add(d);
  }
  return [...symbols].sort();
}

/** Cut `graph` into single-side segments; every value crossing a cut becomes a segment input/output by its value name. */
function segmentsOf(graph: Graph, onFallback: ReadonlySet<string>): Segment[] {
  const symbols = graphSymbols(graph);
  const runs: { side: Side; nodes: Graph['nodes'][number][] }[] = [];
  for (const node of graph.nodes) {
    const side: Side = onFallback.has(node.name) ? 'fallback' : 'backend';
    const last = runs[runs.length - 1];
    if (last && last.side === side) last.nodes.push(node);
    else runs.push({ side, nodes: [node] });
  }
  const graphOutputs = new Set(graph.outputs.map((o) => o.value));
  return runs.map((run, index) => {
    const b = new GraphBuilder(`${graph.name}#${index}`);
    for (const symbol of symbols) b.input(`${WITNESS_PREFIX}${symbol}`, 'i8', [symbol]);
    const produced = new Set(run.nodes.flatMap((n) => n.outputs));
    const later = new Set(runs.slice(index + 1).flatMap((r) => r.nodes.flatMap((n) => n.inputs.filter((i): i is number => i !== null))));
    const mapped = new Map<number, Value>();
    const valueFor = (id: number): Value => {
      let v = mapped.get(id);
      if (!v) {
        const info = graph.values[id]!;
        v = b.input(info.name, info.type.dtype, info.type.shape);
        mapped.set(id, v);
      }
      return v;
    };
    for (const node of run.nodes) {
      const outs = b.op(node.op, node.inputs.map((i) => (i === null ? null : valueFor(i))), { ...node.attrs }, node.name);
      node.outputs.forEach((o, k) => mapped.set(o, outs[k]!));
    }
    for (const id of produced) if (later.has(id) || graphOutputs.has(id)) b.output(graph.values[id]!.name, mapped.get(id)!);
    return { side: run.side, graph: b.build() };
  });
}

class FallbackExecutable implements Executable {
  /** Params (weights) copied to the fallback once and reused by later runs, keyed by the caller's tensor. */
  private readonly copiedParams = new Map<DeviceTensor, DeviceTensor>();
  private readonly paramNames: ReadonlySet<string>;

  constructor(
    private readonly graph: Graph,
    private readonly segments: readonly { side: Side; graph: Graph; executable: Executable }[],
    private readonly backend: Backend,
    private readonly fallback: Backend,
  ) {
    this.paramNames = new Set(graph.params.map((id) => graph.values[id]!.name));
  }

  async run(bindings: RunBindings): Promise<void> {
    const memoryOf = (side: Side) => (side === 'backend' ? this.backend : this.fallback).memory;
    // Every value by name, on the side it lives; values crossing sides are copied through the host once.
    const where = new Map<string, { side: Side; tensor: DeviceTensor }>();
    const temporaries: { side: Side; tensor: DeviceTensor }[] = [];
    for (const [name, tensor] of Object.entries(bindings.inputs)) where.set(name, { side: 'backend', tensor });
    const graphOutputByValue = new Map(this.graph.outputs.map((o) => [this.graph.values[o.value]!.name, o.name]));
    const onSide = async (name: string, side: Side): Promise<DeviceTensor> => {
      const at = where.get(name)!;
      if (at.side === side) return at.tensor;
      const isParam = side === 'fallback' && this.paramNames.has(name);
      const cached = isParam ? this.copiedParams.get(at.tensor) : undefined;
      if (cached) return cached;
      const copy = await uploadTensor(memoryOf(side), await downloadTensor(memoryOf(at.side), at.tensor));
      if (isParam) this.copiedParams.set(at.tensor, copy);
      else temporaries.push({ side, tensor: copy });
      return copy;
    };
    const dims = bindGraphShapes(this.graph, Object.fromEntries(Object.entries(bindings.inputs).map(([k, t]) => [k, t.shape])));
    const witnesses = { backend: new Map<string, DeviceTensor>(), fallback: new Map<string, DeviceTensor>() };
    const witness = (side: Side, name: string): DeviceTensor => {
      let t = witnesses[side].get(name);
      if (!t) {
        t = allocateTensor(memoryOf(side), 'i8', [dims[name.slice(WITNESS_PREFIX.length)]!]);
        witnesses[side].set(name, t);
        temporaries.push({ side, tensor: t });
      }
      return t;
    };
    try {
      for (const segment of this.segments) {
        const inputs: Record<string, DeviceTensor> = {};
        for (const id of segment.graph.inputs) {
          const name = segment.graph.values[id]!.name;
          inputs[name] = name.startsWith(WITNESS_PREFIX) ? witness(segment.side, name) : await onSide(name, segment.side);
        }
        const shapes = outputShapes(segment.graph, dims);
        const outputs: Record<string, DeviceTensor> = {};
        for (const out of segment.graph.outputs) {
          const final = graphOutputByValue.get(out.name);
          const dtype = segment.graph.values[out.value]!.type.dtype;
          if (final !== undefined && segment.side === 'backend') outputs[out.name] = bindings.outputs[final]!;
          else {
            outputs[out.name] = allocateTensor(memoryOf(segment.side), dtype, shapes[out.name]!);
            temporaries.push({ side: segment.side, tensor: outputs[out.name]! });
          }
          where.set(out.name, { side: segment.side, tensor: outputs[out.name]! });
        }
        await segment.executable.run({ inputs, outputs });
      }
      // Graph outputs computed on the fallback are copied into the caller's tensors.
      for (const out of this.graph.outputs) {
        const at = where.get(this.graph.values[out.value]!.name)!;
        const target = bindings.outputs[out.name]!;
        if (at.tensor === target) continue;
        const host = await downloadTensor(memoryOf(at.side), at.tensor);
        await this.backend.memory.write(target.buffer, target.byteOffset, new Uint8Array(host.data.buffer, host.data.byteOffset, host.data.byteLength));
      }
    } finally {
      for (const t of temporaries) freeTensor(memoryOf(t.side), t.tensor);
    }
  }

  dispose(): void {
    for (const t of this.copiedParams.values()) freeTensor(this.fallback.memory, t);
    for (const s of this.segments) s.executable.dispose();
  }
}

/** Compile `plan` (whose unrunnable nodes are listed) with those nodes on `fallback`. */
export async function compileWithFallback(
  backend: Backend,
  fallback: Backend,
  plan: ExecutionPlan,
  unrunnable: readonly { node: string; op: string; reason: string }[],
): Promise<{ executable: Executable; split: FallbackSplit }> {
  const onFallback = new Set(unrunnable.map((u) => u.node));
  const segments = segmentsOf(plan.graph, onFallback);
  const compiled = [];
  for (const s of segments) {
    const target = s.side === 'backend' ? backend : fallback;
    compiled.push({ ...s, executable: await target.compile({ graph: s.graph, decomposed: [] }) });
  }
  return {
    executable: new FallbackExecutable(plan.graph, compiled, backend, fallback),
    split: {
      backend: backend.name,
      fallback: fallback.name,
      fallbackNodes: unrunnable,
      backendNodeCount: plan.graph.nodes.length - onFallback.size,
      segments: segments.length,
    },
  };
}
