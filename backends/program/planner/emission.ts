/**
 * The forward pass: every node's records in graph order — its target's lowering, or nothing for a
 * node whose work a fusion gave to another — then copies of graph outputs not written in place.
 */
import { GlmError } from '../../../core/backend-api/plugin-api.js';
import { isContiguous } from '../locations.js';
import type { Word } from '../program-builder.js';
import type { PlanOptions } from '../lowering-context.js';
import { PlannedStep, type PlanWork } from './step-context.js';

/** A consumer fused into its producer's epilogue: its output is the product's (copied if placed elsewhere). */
function finishEpilogueConsumer<O extends PlanOptions>(work: PlanWork<O>, step: PlannedStep<O>, producer: number): void {
  const { state } = work;
  const product = state.locs[state.facts.node(producer).outputs[0]!]!;
  const out = step.node.outputs[0]!;
  if (state.locs[out] === undefined) state.locs[out] = product;
  state.touch(product, step.step);
  if (state.locs[out] !== product) work.target.copy(step, product, state.locs[out]!);
}

function emitStep<O extends PlanOptions>(work: PlanWork<O>, i: number): void {
  const { state, fusions } = work;
  const step = new PlannedStep(work, i);
  if (fusions.foldedWrites.has(i)) {
    // Its producer wrote the value into the target, which is this node's output (in place).
    state.touch(state.locs[step.node.outputs[0]!]!, i);
    return;
  }
  const epilogue = fusions.epilogueByConsumer.get(i);
  if (epilogue !== undefined) {
    finishEpilogueConsumer(work, step, epilogue.producer);
    return;
  }
  const lower = work.target.lowerings[step.node.op];
  if (!lower) throw new GlmError('unsupported', `${work.options.backend} has no lowering for op "${step.node.op}" (node "${step.node.name}")`);
  lower(step);
}

/** Graph outputs not written in place (inputs passed through, views, a value bound twice): copy them. */
function copyGraphOutputs<O extends PlanOptions>(work: PlanWork<O>): void {
  const { state, builder, options } = work;
  const { graph } = state.facts;
  const n = graph.nodes.length;
  builder.at(n - 1);
  const emitter = { backend: options.backend, emit: (op: number, args: readonly Word[]) => builder.emit(op, args), noteIndexCheck() {} };
  for (const o of graph.outputs) {
    const loc = state.locs[o.value];
    if (!loc) throw new GlmError('backend', `${options.backend} planner: output "${o.name}" has no value`);
    const home = state.homeOf(o.name, o.value);
    if (loc.storage === home && loc.elemOffset === 0 && isContiguous(loc)) continue;
    state.touch(loc, n);
    work.target.copy(emitter, loc, state.contiguousLoc(home, o.value));
  }
}

export function emitRecords<O extends PlanOptions>(work: PlanWork<O>): void {
  work.state.startRecords();
  for (let i = 0; i < work.state.facts.graph.nodes.length; i++) {
    work.builder.at(i);
    emitStep(work, i);
  }
  copyGraphOutputs(work);
}
