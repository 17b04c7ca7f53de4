/**
 * The planner's side of a step (PlannedStep): locations of inputs and outputs, scratch, the fusions
 * and placements decided for this node, and the record stream — what a lowering sees of it is the
 * StepContext of ../lowering-context.ts.
 */
import { GlmError, resolveShape, type DType, type GraphNode } from '../../../core/backend-api/plugin-api.js';
import { alignUp } from '../arena.js';
import { countOf, elementBytes, isContiguous, rowMajorStrides, type Loc } from '../locations.js';
import type { FusedEpilogue, FusedWrite, PlanOptions, StepContext } from '../lowering-context.js';
import type { PlanTarget } from '../plan-target.js';
import type { ProgramBuilder, Word } from '../program-builder.js';
import type { Fusions } from './fusions.js';
import type { Placement } from './placement.js';
import type { PlanState } from './plan-state.js';

/** Everything one plan's steps share. */
export interface PlanWork<O extends PlanOptions> {
  readonly state: PlanState;
  readonly target: PlanTarget<O>;
  readonly options: O;
  readonly placement: Placement;
  readonly fusions: Fusions;
  readonly builder: ProgramBuilder;
  /** Some record checks values it reads (set through noteIndexCheck). */
  checksIndices: boolean;
}

export class PlannedStep<O extends PlanOptions> implements StepContext<O> {
  readonly node: GraphNode;

  constructor(
    private readonly work: PlanWork<O>,
    readonly step: number,
  ) {
    this.node = work.state.facts.node(step);
  }

  get backend(): string {
    return this.work.options.backend;
  }

  get options(): O {
    return this.work.options;
  }

  private get locs(): (Loc | undefined)[] {
    return this.work.state.locs;
  }

  private touch(loc: Loc): void {
    this.work.state.touch(loc, this.step);
  }

  input(k: number): Loc | null {
    const id = this.node.inputs[k];
    if (id === null || id === undefined) return null;
    const loc = this.locs[id];
    if (!loc) throw new GlmError('backend', `${this.backend} planner: value "${this.work.state.facts.graph.values[id]!.name}" used before it is defined`);
    this.touch(loc);
    return loc;
  }

  output(k: number): Loc {
    const id = this.node.outputs[k]!;
    const { state } = this.work;
    const loc = (this.locs[id] ??= state.contiguousLoc(state.slot(state.facts.bytesOf(id), this.step), id));
    this.touch(loc);
    return loc;
  }

  alias(k: number, view: Loc): void {
    const id = this.node.outputs[k]!;
    const existing = this.locs[id];
    if (!existing) {
      this.locs[id] = view;
      this.touch(view);
      return;
    }
    this.touch(existing);
    this.touch(view);
    this.work.target.copy(this, view, existing);
  }

  writtenByPlacement(k: number): boolean {
    return k === 0 && this.work.placement.writtenByPlacement(this.step);
  }

  fusedEpilogue(): FusedEpilogue | null {
    const match = this.work.fusions.epilogueByProducer.get(this.step);
    if (match === undefined) return null;
    const consumer = this.work.state.facts.node(match.consumer);
    const addend = this.locs[consumer.inputs[match.rule.addendInput]!]!;
    this.touch(addend);
    return { consumer, addend: this.contiguous(addend) };
  }

  fusedWrites(): readonly (FusedWrite | null)[] {
    const { facts } = this.work.state;
    const match = this.work.fusions.writesByProducer.get(this.step);
    if (match === undefined) {
      const rule = this.work.target.inPlaceWriteFusions.find((r) => r.producer === this.node.op);
      return rule ? rule.producerOutputs.map(() => null) : [];
    }
    return match.writes.map((w) => {
      if (w === null) return null;
      const consumer = facts.node(w);
      const target = this.locs[consumer.inputs[match.rule.targetInput]!]!;
      const shared = match.rule.sharedInputs.map((k) => this.locs[consumer.inputs[k]!]!);
      this.touch(target);
      for (const loc of shared) this.touch(loc);
      const value = consumer.inputs[match.rule.valueInput]!;
      return { target, shared: shared.map((loc) => this.contiguous(loc)), alsoOutput: facts.consumers[value]!.length > 1 };
    });
  }

  placedInput(k: number): boolean {
    const id = this.node.inputs[k];
    return id !== null && id !== undefined && this.work.placement.placedValues.has(id);
  }

  temp(dtype: DType, shape: readonly number[]): Loc {
    const storage = this.work.state.slot(Math.ceil(countOf(shape) * elementBytes(dtype)), this.step);
    return { storage, elemOffset: 0, dtype, shape: [...shape], strides: rowMajorStrides(shape) };
  }

  scratch(bytes: number): Loc {
    const storage = this.work.state.slot(alignUp(bytes, 16), this.step);
    return { storage, elemOffset: 0, dtype: 'i8', shape: [bytes], strides: [1] };
  }

  contiguous(loc: Loc): Loc {
    if (isContiguous(loc)) return loc;
    const copy = this.temp(loc.dtype, loc.shape);
    this.work.target.copy(this, loc, copy);
    return copy;
  }

  emit(op: number, args: readonly Word[]): void {
    this.work.builder.emit(op, args);
  }

  noteIndexCheck(): void {
    this.work.checksIndices = true;
  }

  resolve(shape: readonly (number | string)[]): number[] {
    return resolveShape(shape, this.work.state.facts.dims);
  }
}
