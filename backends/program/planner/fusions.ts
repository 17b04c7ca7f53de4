/**
 * The fusions a target asks for (plan-target.ts), matched on the graph before placement and kept
 * only where the placed storages allow them:
 *   epilogue: a producer adds its only consumer's other input in its epilogue; the consumer emits
 *     nothing and its output is the product's. It writes straight into the consumer's home, unless
 *     that home is an input's storage (donated): the product runs earlier than the consumer would
 *     have, and the input may still be read between the two.
 *   in-place write: a consumer writes a producer's output into a tensor in place; the producer
 *     writes there itself — only when the consumer's output is that tensor's storage (donated).
 */
import { sameLocation } from '../locations.js';
import type { EpilogueFusion, InPlaceWriteFusion, PlanTarget } from '../plan-target.js';
import type { GraphFacts } from './graph-facts.js';
import type { PlanState } from './plan-state.js';

export interface EpilogueMatch {
  readonly producer: number;
  readonly consumer: number;
  readonly rule: EpilogueFusion;
}

export interface InPlaceWriteMatch {
  readonly producer: number;
  readonly rule: InPlaceWriteFusion;
  /** Per rule.producerOutputs: the consumer node that the producer does, or null. */
  readonly writes: (number | null)[];
}

export class Fusions {
  readonly epilogueByProducer = new Map<number, EpilogueMatch>();
  readonly epilogueByConsumer = new Map<number, EpilogueMatch>();
  readonly writesByProducer = new Map<number, InPlaceWriteMatch>();
  /** Consumer nodes whose in-place write their producer does. */
  readonly foldedWrites = new Set<number>();
}

/** The epilogue rule node `i` matches with its only consumer, if any. */
function matchEpilogue(facts: GraphFacts, rules: readonly EpilogueFusion[], i: number): EpilogueMatch | null {
  const node = facts.node(i);
  if (!rules.some((rule) => rule.producer === node.op)) return null;
  const product = node.outputs[0]!;
  if (facts.consumers[product]!.length !== 1 || facts.isGraphOutput(product)) return null;
  const c = facts.consumers[product]![0]!;
  const consumer = facts.node(c);
  for (const rule of rules) {
    if (rule.producer !== node.op || rule.consumer !== consumer.op) continue;
    const addend = consumer.inputs[rule.addendInput];
    if (consumer.inputs[rule.productInput] !== product || addend === product || addend === null || addend === undefined) continue;
    if (facts.producer[addend]! >= i) continue; // the addend must exist when the product runs
    const [a, p] = [facts.shapes[addend]!, facts.shapes[product]!];
    if (a.length === p.length && a.every((d, j) => d === p[j])) return { producer: i, consumer: c, rule };
  }
  return null;
}

/** Records node `w`'s write as done by its producer when a rule matches and the producer's slot is free. */
function matchInPlaceWrite(facts: GraphFacts, fusions: Fusions, rule: InPlaceWriteFusion, w: number): void {
  const node = facts.node(w);
  const value = node.inputs[rule.valueInput];
  const target = node.inputs[rule.targetInput];
  if (value === null || value === undefined || target === null || target === undefined) return;
  const p = facts.producer[value]!;
  if (p < 0 || facts.node(p).op !== rule.producer || facts.isGraphOutput(value)) return;
  const slot = rule.producerOutputs.indexOf(facts.node(p).outputs.indexOf(value));
  const shared = rule.sharedInputs.map((k) => node.inputs[k]);
  if (slot < 0 || facts.consumers[target]!.length !== 1 || shared.some((s) => s !== null && s !== undefined && facts.producer[s]! >= p)) return;
  const match = fusions.writesByProducer.get(p) ?? { producer: p, rule, writes: rule.producerOutputs.map(() => null) };
  if (match.rule !== rule || match.writes[slot] !== null) return;
  // The producer reads the shared inputs once: every write it does must name the same ones.
  const sameShared = (other: number) => rule.sharedInputs.every((k) => facts.node(other).inputs[k] === node.inputs[k]);
  if (match.writes.some((other) => other !== null && !sameShared(other))) return;
  match.writes[slot] = w;
  fusions.writesByProducer.set(p, match);
  fusions.foldedWrites.add(w);
}

/** Every fusion the target wants that the graph allows (before placement). */
export function matchFusions(facts: GraphFacts, target: Pick<PlanTarget, 'epilogueFusions' | 'inPlaceWriteFusions'>): Fusions {
  const fusions = new Fusions();
  facts.graph.nodes.forEach((_, i) => {
    const match = matchEpilogue(facts, target.epilogueFusions, i);
    if (!match) return;
    fusions.epilogueByProducer.set(i, match);
    fusions.epilogueByConsumer.set(match.consumer, match);
  });
  facts.graph.nodes.forEach((node, w) => {
    for (const rule of target.inPlaceWriteFusions) if (rule.consumer === node.op) matchInPlaceWrite(facts, fusions, rule, w);
  });
  return fusions;
}

/** Epilogues write into their consumer's home, unless that is a donated input's storage (then unfused). */
function confirmEpilogues(fusions: Fusions, state: PlanState): void {
  const { facts, locs } = state;
  for (const [p, match] of fusions.epilogueByProducer) {
    const home = locs[facts.node(match.consumer).outputs[0]!];
    if (home === undefined) continue;
    if (home.storage.kind === 'bound' && home.storage.binding?.role === 'input') {
      fusions.epilogueByProducer.delete(p);
      fusions.epilogueByConsumer.delete(match.consumer);
      continue;
    }
    locs[facts.node(p).outputs[0]!] ??= home;
  }
}

/** In-place writes stay fused only where the consumer's output is its target's own storage. */
function confirmInPlaceWrites(fusions: Fusions, state: PlanState): void {
  const { facts, locs } = state;
  for (const [p, match] of fusions.writesByProducer) {
    match.writes.forEach((w, slot) => {
      if (w === null) return;
      const out = locs[facts.node(w).outputs[0]!];
      const target = locs[facts.node(w).inputs[match.rule.targetInput]!];
      if (out !== undefined && target !== undefined && sameLocation(out, target)) return;
      match.writes[slot] = null;
      fusions.foldedWrites.delete(w);
    });
    if (match.writes.every((w) => w === null)) fusions.writesByProducer.delete(p);
  }
}

/** After placement: drop the fusions the placed storages do not allow. */
export function confirmFusions(fusions: Fusions, state: PlanState): void {
  confirmEpilogues(fusions, state);
  confirmInPlaceWrites(fusions, state);
}
