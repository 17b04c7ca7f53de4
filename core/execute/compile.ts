/**
 * Graph → plan → executable for one backend: validate, lower (decompose what it refuses), and then
 * strict by default — a node nothing makes runnable fails the compile. Only when the caller passes a
 * fallback backend do such nodes run there, and the split is returned for printing.
 */
import type { Graph } from '../ir/graph.js';
import { validateGraph } from '../passes/validate.js';
import { lowerForBackend, requireRunnable, type LoweringResult } from '../passes/decompose.js';
import { compileWithFallback, type FallbackSplit } from './cpu-fallback.js';
import type { Backend, Executable, ExecutionPlan } from '../backend-api/plugin-contract.js';

function lower(backend: Backend, graph: Graph): LoweringResult {
  validateGraph(graph);
  return lowerForBackend(graph, (view) => backend.supports(view));
}

export function planFor(backend: Backend, graph: Graph): ExecutionPlan {
  const lowered = lower(backend, graph);
  requireRunnable(lowered, backend.name);
  return { graph: lowered.graph, decomposed: lowered.decomposed };
}

export interface CompileOptions {
  /** Explicit fallback for the nodes `backend` cannot run (never used unless given). */
  readonly fallback?: Backend;
}

export interface Compiled {
  readonly plan: ExecutionPlan;
  readonly executable: Executable;
  /** Set when nodes run on the fallback. */
  readonly split?: FallbackSplit;
}

export async function compileFor(backend: Backend, graph: Graph, options: CompileOptions = {}): Promise<Compiled> {
  const lowered = lower(backend, graph);
  const plan: ExecutionPlan = { graph: lowered.graph, decomposed: lowered.decomposed };
  if (lowered.unrunnable.length === 0 || !options.fallback) {
    requireRunnable(lowered, backend.name);
    return { plan, executable: await backend.compile(plan) };
  }
  const { executable, split } = await compileWithFallback(backend, options.fallback, plan, lowered.unrunnable);
  return { plan, executable, split };
}
