/** Graph → plan → executable for one backend: validate, lower (decompose what it refuses), strict check. */
import type { Graph } from '../ir/graph.js';
import { validateGraph } from '../passes/validate.js';
import { lowerForBackend, requireRunnable } from '../passes/decompose.js';
import type { Backend, Executable, ExecutionPlan } from './plugin-contract.js';

export function planFor(backend: Backend, graph: Graph): ExecutionPlan {
  validateGraph(graph);
  const lowered = lowerForBackend(graph, (view) => backend.supports(view));
  requireRunnable(lowered, backend.name);
  return { graph: lowered.graph, decomposed: lowered.decomposed };
}

export async function compileFor(backend: Backend, graph: Graph): Promise<{ plan: ExecutionPlan; executable: Executable }> {
  const plan = planFor(backend, graph);
  return { plan, executable: await backend.compile(plan) };
}
