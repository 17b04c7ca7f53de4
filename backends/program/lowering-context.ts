/**
 * What a family's lowering sees of the node it lowers (StepContext): locations of inputs and outputs,
 * scratch, the fusions and placements the planner decided for it, and the record stream (Emitter).
 * The planner implements it (planner/step-context.ts); PlanTarget's lowerings take it. Kept apart
 * from the planner so that the contract a family codes against imports nothing of the planner.
 */
import type { DType, GraphNode } from '../../core/backend-api/plugin-api.js';
import type { Loc } from './locations.js';
import type { Word } from './program-builder.js';

/** A family's planner choices; every family's options carry at least the backend's name. */
export interface PlanOptions {
  /** The backend's name, for messages. */
  readonly backend: string;
}

/** Where records go. */
export interface Emitter {
  /** The backend's name, for messages. */
  readonly backend: string;
  emit(op: number, args: readonly Word[]): void;
  /** A record checks values it reads on the device: the run reads the error flag. */
  noteIndexCheck(): void;
}

/** The consumer whose addition this node's epilogue does, and what it adds (contiguous). */
export interface FusedEpilogue {
  readonly consumer: GraphNode;
  readonly addend: Loc;
}

/** An in-place write this node does for its consumer: where, and the shared inputs (contiguous). */
export interface FusedWrite {
  readonly target: Loc;
  readonly shared: readonly Loc[];
  /** The output is also read by another node, so it is written to its own place too. */
  readonly alsoOutput: boolean;
}

export interface StepContext<O extends PlanOptions = PlanOptions> extends Emitter {
  readonly step: number;
  readonly node: GraphNode;
  readonly options: O;
  /** Input k's location (null for an absent optional input). */
  input(k: number): Loc | null;
  /** Output k's location; an arena slot (contiguous) unless the planner placed it elsewhere. */
  output(k: number): Loc;
  /** Give output k the location `view` (no copy), or copy `view` into the place it already has. */
  alias(k: number, view: Loc): void;
  /** The value of output k was written by its inputs' producers through placement: nothing to do. */
  writtenByPlacement(k: number): boolean;
  /** The target's epilogue fusion of this node with its consumer, or null. */
  fusedEpilogue(): FusedEpilogue | null;
  /** Per output of the target's in-place write fusion (its producerOutputs): the write this node does, or null. */
  fusedWrites(): readonly (FusedWrite | null)[];
  /** Input k was placed into this node's output by its producer (nothing to copy for it). */
  placedInput(k: number): boolean;
  /** A contiguous scratch tensor of this step. */
  temp(dtype: DType, shape: readonly number[]): Loc;
  /** Scratch bytes of this step. */
  scratch(bytes: number): Loc;
  /** `loc` itself when contiguous, else a contiguous copy made now. */
  contiguous(loc: Loc): Loc;
  resolve(shape: readonly (number | string)[]): number[];
}
