/** Concrete shapes for one call of a graph: learn the symbols from the inputs, resolve the rest. */
import { GlmError } from '../errors.js';
import { bindShape, resolveShape, type DimBindings } from '../ir/dim.js';
import type { Graph } from '../ir/graph.js';

export function bindGraphShapes(graph: Graph, inputShapes: Readonly<Record<string, readonly number[]>>): DimBindings {
  const bindings: Record<string, number> = {};
  for (const id of [...graph.inputs, ...graph.params]) {
    const v = graph.values[id]!;
    const shape = inputShapes[v.name];
    if (!shape) throw new GlmError('shape', `graph "${graph.name}": no tensor bound to "${v.name}"`);
    bindShape(v.type.shape, shape, bindings, `"${v.name}"`);
  }
  return bindings;
}

export function outputShapes(graph: Graph, bindings: DimBindings): Record<string, number[]> {
  const shapes: Record<string, number[]> = {};
  for (const out of graph.outputs) shapes[out.name] = resolveShape(graph.values[out.value]!.type.shape, bindings);
  return shapes;
}
