/**
 * Checks a graph that did not necessarily come from the builder (a file, a plugin, a pass):
 * every error names the node and what is wrong, all of them at once.
 */
import { GlmError } from '../errors.js';
import { isDType } from '../tensor/dtype.js';
import { completeAttrs } from '../ir/attrs.js';
import { checkInputs } from '../ir/builder.js';
import { formatShape, shapesEqual } from '../ir/dim.js';
import { describeNode, type Graph } from '../ir/graph.js';
import { OP_CATALOGUE } from '../ir/ops/catalogue.js';
import { OpTypeError } from '../ir/op-definition.js';

export function findGraphProblems(graph: Graph): string[] {
  const problems: string[] = [];
  const defined = new Set<number>();
  const names = new Set<string>();
  graph.values.forEach((v, i) => {
    if (v.id !== i) problems.push(`value "${v.name}" has id ${v.id} at index ${i}`);
    if (!isDType(v.type.dtype)) problems.push(`value "${v.name}" has unknown dtype ${String(v.type.dtype)}`);
  });
  for (const id of [...graph.inputs, ...graph.params]) {
    const v = graph.values[id];
    if (!v) problems.push(`graph input/param ${id} does not exist`);
    else if (names.has(v.name)) problems.push(`two graph inputs/params are named "${v.name}"`);
    else names.add(v.name);
    defined.add(id);
  }
  const nodeNames = new Set<string>();
  for (const node of graph.nodes) {
    const where = describeNode(node);
    if (nodeNames.has(node.name)) problems.push(`${where}: name used by an earlier node`);
    nodeNames.add(node.name);
    const def = OP_CATALOGUE.get(node.op);
    if (!def) {
      problems.push(`${where}: unknown op "${node.op}"`);
      node.outputs.forEach((o) => defined.add(o));
      continue;
    }
    const missing = node.inputs.filter((i): i is number => i !== null && !defined.has(i));
    if (missing.length > 0) {
      problems.push(`${where}: uses ${missing.map((i) => `"${graph.values[i]?.name ?? i}"`).join(', ')} before it is computed`);
      node.outputs.forEach((o) => defined.add(o));
      continue;
    }
    try {
      const attrs = completeAttrs(def, node.attrs);
      const inputTypes = node.inputs.map((i) => (i === null ? null : graph.values[i]!.type));
      checkInputs(def, inputTypes);
      const inferred = def.inferTypes(inputTypes, attrs);
      if (inferred.length !== node.outputs.length) {
        problems.push(`${where}: has ${node.outputs.length} outputs, the op gives ${inferred.length}`);
      }
      inferred.forEach((t, k) => {
        const declared = graph.values[node.outputs[k]!];
        if (!declared) return problems.push(`${where}: output ${k} does not exist`);
        if (declared.type.dtype !== t.dtype || !shapesEqual(declared.type.shape, t.shape)) {
          problems.push(
            `${where}: output ${k} is declared ${declared.type.dtype}${formatShape(declared.type.shape)}, the op gives ${t.dtype}${formatShape(t.shape)}`,
          );
        }
      });
    } catch (e) {
      if (!(e instanceof OpTypeError)) throw e;
      problems.push(`${where}: ${e.message}`);
    }
    for (const o of node.outputs) {
      if (defined.has(o)) problems.push(`${where}: output "${graph.values[o]?.name ?? o}" is defined twice`);
      defined.add(o);
    }
  }
  for (const out of graph.outputs) {
    if (!defined.has(out.value)) problems.push(`graph output "${out.name}" is never computed`);
  }
  return problems;
}

/** Throws one GlmError listing every problem. */
export function validateGraph(graph: Graph): void {
  const problems = findGraphProblems(graph);
  if (problems.length > 0) {
    throw new GlmError('shape', `graph "${graph.name}" is invalid: ${problems.join('; ')}`);
  }
}
