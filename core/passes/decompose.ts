/**
 * Lowers a graph to what a backend can run: a node it supports is kept; a composite it does not
 * support is replaced by its decomposition; the result is checked again until nothing changes.
 * Anything left that the backend refuses is collected with the backend's reason.
 */
import { UnrunnableNodesError } from './strict-refusal.js';
import { GraphBuilder, type Value } from '../ir/builder.js';
import type { Graph } from '../ir/graph.js';
import { getOp } from '../ir/ops/catalogue.js';
import type { Capability, LoweringNote, NodeView } from '../backend-api/capability.js';

export type { LoweringNote };

export interface LoweringResult {
  readonly graph: Graph;
  /** Composites replaced by their decompositions, with the reason the backend gave. */
  readonly decomposed: readonly LoweringNote[];
  /** Nodes the backend refuses and that have no decomposition. */
  readonly unrunnable: readonly LoweringNote[];
}

export type SupportPredicate = (view: NodeView) => Capability;

export function viewOf(graph: Graph, nodeIndex: number): NodeView {
  const node = graph.nodes[nodeIndex]!;
  return {
    node,
    inputTypes: node.inputs.map((i) => (i === null ? null : graph.values[i]!.type)),
    outputTypes: node.outputs.map((o) => graph.values[o]!.type),
  };
}

/** One rewrite: decompose every refused composite once. */
function decomposeOnce(graph: Graph, supports: SupportPredicate, decomposed: LoweringNote[], unrunnable: LoweringNote[]): Graph | null {
  const b = new GraphBuilder(graph.name);
  const mapped = new Map<number, Value>();
  let changed = false;
  for (const id of graph.inputs) {
    const v = graph.values[id]!;
    mapped.set(id, b.input(v.name, v.type.dtype, v.type.shape));
  }
  for (const id of graph.params) {
    const v = graph.values[id]!;
    mapped.set(id, b.param(v.name, v.type.dtype, v.type.shape));
  }
  graph.nodes.forEach((node, index) => {
    const inputs = node.inputs.map((i) => (i === null ? null : mapped.get(i)!));
    const answer = supports(viewOf(graph, index));
    const def = getOp(node.op);
    let outs: Value[];
    if (!answer.supported && def.decompose) {
      decomposed.push({ node: node.name, op: node.op, reason: answer.reason });
      outs = b.scope(node.name, () => def.decompose!(b, inputs, node.attrs));
      changed = true;
    } else {
      if (!answer.supported) unrunnable.push({ node: node.name, op: node.op, reason: answer.reason });
      outs = b.op(node.op, inputs, { ...node.attrs }, node.name);
    }
    node.outputs.forEach((o, k) => mapped.set(o, outs[k]!));
  });
  for (const out of graph.outputs) b.output(out.name, mapped.get(out.value)!);
  return changed ? b.build() : null;
}

export function lowerForBackend(graph: Graph, supports: SupportPredicate): LoweringResult {
  const decomposed: LoweringNote[] = [];
  let current = graph;
  for (;;) {
    const unrunnable: LoweringNote[] = [];
    const next = decomposeOnce(current, supports, decomposed, unrunnable);
    if (next === null) return { graph: current, decomposed, unrunnable };
    current = next;
  }
}

/** Strict mode: refuse a graph that still has unrunnable nodes (one summary line; the list in `details`). */
export function requireRunnable(result: LoweringResult, backendName: string): void {
  if (result.unrunnable.length === 0) return;
  throw new UnrunnableNodesError(backendName, result.unrunnable);
}
