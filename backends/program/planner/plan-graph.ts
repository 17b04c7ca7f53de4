/**
 * Plans one run of a graph for a set of concrete shapes: where every value lives (a bound tensor, an
 * arena slot, a view of another value, or a place inside its consumer's output), then the launch
 * records of every node. The target (plan-target.ts) says everything op-specific; in order:
 *   graph facts → the fusions it wants (fusions.ts) → backward placement (placement.ts) → the
 *   fusions the placed storages allow → forward records (emission.ts) → the arena packed.
 */
import type { DimBindings, Graph } from '../../../core/backend-api/plugin-api.js';
import type { PlanTarget } from '../plan-target.js';
import { ProgramBuilder, type PlannedRecord } from '../program-builder.js';
import { emitRecords } from './emission.js';
import { confirmFusions, matchFusions } from './fusions.js';
import { GraphFacts } from './graph-facts.js';
import { placeBackwards } from './placement.js';
import { PlanState, type BoundAlignment } from './plan-state.js';
import type { PlanOptions } from '../lowering-context.js';
import type { PlanWork } from './step-context.js';

export interface Plan {
  readonly records: readonly PlannedRecord[];
  readonly arenaBytes: number;
  /** Some record checks values it reads (indices, offsets): the run reads the error flag. */
  readonly checksIndices: boolean;
}

/**
 * `donations` maps an output name to the input whose tensor the caller bound it to (checked by
 * donationCheck): that output lives in the input's storage, and its in-place producer writes there.
 */
export function planGraph<O extends PlanOptions>(
  graph: Graph,
  dims: DimBindings,
  boundAlign: BoundAlignment,
  target: PlanTarget<O>,
  options: O,
  donations: ReadonlyMap<string, string> = new Map(),
): Plan {
  const facts = new GraphFacts(graph, dims);
  const state = new PlanState(facts, boundAlign, donations);
  const fusions = matchFusions(facts, target);
  const placement = placeBackwards(state, target);
  confirmFusions(fusions, state);
  const work: PlanWork<O> = { state, target, options, placement, fusions, builder: new ProgramBuilder(), checksIndices: false };
  emitRecords(work);
  return { records: work.builder.records, arenaBytes: state.packArena(), checksIndices: work.checksIndices };
}
