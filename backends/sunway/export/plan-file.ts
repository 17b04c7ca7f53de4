/**
 * A launch plan as a relocatable text file, for the exported generation program (generate.c): the
 * records with every pointer left symbolic — a bound tensor by role and name plus a byte offset, or an
 * offset into the arena — so the program on the Sunway node resolves them against its own buffers, as
 * ProgramBuilder.resolve does for the addon. Every bound tensor of the graph is listed with its dtype
 * and bytes (the program allocates them), donated outputs as aliases of their inputs, and each node's
 * name (errors name the node of a failing record, as the SDK's do).
 *
 *   glm-sunway-plan 1
 *   arena <bytes>
 *   tensor <input|output> <name> <dtype> <bytes>
 *   alias <output name> <input name>      (after the tensor lines; a donated output has none of its own)
 *   node <tag> <op> <name>
 *   words <count>
 *   n <number> | p <input|output> <name> <byte offset> | a <byte offset> | z     (one per word)
 */
import { resolveShape, type DimBindings, type Graph } from '../../../core/backend-api/plugin-api.js';
import { countOf, elementBytes } from '../../program/locations.js';
import type { Plan } from '../../program/planner/plan-graph.js';
import type { Word } from '../../program/program-builder.js';

function word(w: Word): string {
  if (w === null) return 'z';
  if (typeof w === 'number') return `n ${w}`;
  if (w.storage.kind === 'arena') return `a ${w.storage.offset + w.byteOffset}`;
  const { role, name } = w.storage.binding!;
  return `p ${role} ${name} ${w.byteOffset}`;
}

/** Every bound tensor but the donated outputs (those are aliases of their inputs). */
function tensorLines(graph: Graph, dims: DimBindings, donations: ReadonlyMap<string, string>): string[] {
  const line = (role: string, id: number, name: string) => {
    const t = graph.values[id]!.type;
    return `tensor ${role} ${name} ${t.dtype} ${Math.ceil(countOf(resolveShape(t.shape, dims)) * elementBytes(t.dtype))}`;
  };
  return [
    ...[...graph.inputs, ...graph.params].map((id) => line('input', id, graph.values[id]!.name)),
    ...graph.outputs.filter((o) => !donations.has(o.name)).map((o) => line('output', o.value, o.name)),
  ];
}

/** The plan file's text. `donations`: output name → the input whose buffer it is written in. */
export function planFileText(graph: Graph, dims: DimBindings, plan: Plan, donations: ReadonlyMap<string, string>): string {
  const words = plan.records.flatMap((r) => [`n ${r.op}`, `n ${r.tag}`, `n ${r.args.length}`, ...r.args.map(word)]);
  return [
    'glm-sunway-plan 1',
    `arena ${plan.arenaBytes}`,
    ...tensorLines(graph, dims, donations),
    ...[...donations].map(([output, input]) => `alias ${output} ${input}`),
    ...graph.nodes.map((n, tag) => `node ${tag} ${n.op} ${n.name}`),
    `words ${words.length}`,
    ...words,
    '',
  ].join('\n');
}
