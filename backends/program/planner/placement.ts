/**
 * The backward pass: from the last node to the first, graph outputs get their homes and the target's
 * placement hosts their output storage, so that a producer writing through strides can be given its
 * place inside its only consumer's output (the KV-cache append and the heads' merge cost nothing).
 */
import type { PlanTarget } from '../plan-target.js';

/** The part of a target's policy that placement reads. */
type PlacementPolicy = Pick<PlanTarget, 'stridedReaders' | 'stridedWriters' | 'placementHosts'>;
import type { GraphFacts } from './graph-facts.js';
import type { PlanState } from './plan-state.js';

export class Placement {
  /** Values written by their producer straight into their place in a host's output. */
  readonly placedValues = new Set<number>();
  /** Nodes whose output got its storage in this pass, to host their inputs. */
  readonly hosts = new Set<number>();

  constructor(private readonly facts: GraphFacts) {}

  /** Every input of host `node` was written into its output by its producer: nothing left to do. */
  writtenByPlacement(node: number): boolean {
    return this.hosts.has(node) && this.facts.node(node).inputs.every((v) => v === null || this.placedValues.has(v));
  }
}

/** What the target's policy says about values, for this graph. */
class PlacementRules {
  private readonly stridedReaders: ReadonlySet<string>;

  constructor(
    private readonly facts: GraphFacts,
    private readonly target: PlacementPolicy,
  ) {
    this.stridedReaders = new Set(target.stridedReaders);
  }

  /** The value must be contiguous anyway: a graph output, or read by an op that takes no strided view. */
  wantsContiguous(value: number): boolean {
    const { facts } = this;
    return facts.isGraphOutput(value) || facts.consumers[value]!.some((c) => !this.stridedReaders.has(facts.node(c).op));
  }

  /** Its producer can write it anywhere, and only one consumer reads it: it can be placed. */
  placeable(value: number): boolean {
    const { facts } = this;
    const p = facts.producer[value]!;
    if (p < 0) return false;
    const condition = this.target.stridedWriters[facts.node(p).op];
    return condition !== undefined && facts.consumers[value]!.length === 1 && !facts.isGraphOutput(value) && condition(facts.viewOf(p));
  }

  /** A host node's output gets its storage now: always, or when its input is placed instead of copied. */
  hosts(index: number): boolean {
    const node = this.facts.node(index);
    const host = this.target.placementHosts[node.op];
    if (host === undefined) return false;
    if (host.materialise === 'always') return true;
    return node.inputs.some((v) => v !== null && this.placeable(v)) && this.wantsContiguous(node.outputs[0]!);
  }
}

/** An output value's location now: its home, or its place inside its consumer's output. */
function placeOutput(state: PlanState, rules: PlacementRules, target: PlacementPolicy, placement: Placement, value: number): void {
  const { facts, locs } = state;
  if (locs[value] !== undefined) return;
  if (facts.isGraphOutput(value)) {
    locs[value] = state.contiguousLoc(state.homeOf(facts.outputNames[value]![0]!, value), value);
    return;
  }
  if (!rules.placeable(value)) return;
  const c = facts.consumers[value]![0]!;
  if (!placement.hosts.has(c)) return;
  const consumer = facts.node(c);
  const view = target.placementHosts[consumer.op]!.inputView(consumer, value, locs[consumer.outputs[0]!]!, (v) => facts.shapes[v]!);
  if (view === null) return;
  locs[value] = view;
  placement.placedValues.add(value);
}

export function placeBackwards(state: PlanState, target: PlacementPolicy): Placement {
  const { facts, locs } = state;
  const rules = new PlacementRules(facts, target);
  const placement = new Placement(facts);
  for (let i = facts.graph.nodes.length - 1; i >= 0; i--) {
    const node = facts.node(i);
    const out = node.outputs[0]!;
    if (locs[out] === undefined && rules.hosts(i)) {
      placement.hosts.add(i);
      locs[out] = state.homeOrSlot(out, i);
    }
    for (const value of node.outputs) placeOutput(state, rules, target, placement, value);
  }
  return placement;
}
