/**
 * A family's lowering policy, as data and small functions that the planner asks: the lowering of each
 * op it runs natively, whether it claims a node (a reason for every no), which ops read strided views
 * or write through strides, which host their inputs in place, which fusions it wants, how it copies,
 * and what its records check. The planner (planner/) names no op: all it knows of ops comes from here.
 */
import type { Capability, GraphNode, NodeView, OpName } from '../../core/backend-api/plugin-api.js';
import type { Loc } from './locations.js';
import type { Emitter, PlanOptions, StepContext } from './lowering-context.js';

/** Turns one node into launch records. */
export type Lowering<O extends PlanOptions = PlanOptions> = (ctx: StepContext<O>) => void;

/** The registration table: one lowering per op the family runs natively. */
export type Lowerings<O extends PlanOptions = PlanOptions> = Partial<Record<OpName, Lowering<O>>>;

/** When a producer can write its outputs through any strides (so it may be placed). */
export type StridedWriteCondition = (view: NodeView) => boolean;

/**
 * A consumer whose output gets its storage before its inputs' producers are planned (the planner's
 * backward pass), so that a producer writing through strides can put its value straight into its
 * place there and the consumer copies nothing for it.
 */
export interface PlacementHost {
  /**
   * 'always': every such node hosts its inputs. 'when-contiguous-needed': only when its input can be
   * placed and its output must be contiguous anyway (a graph output, or read by an op that reads no
   * strided view) — a view that would otherwise be copied.
   */
  readonly materialise: 'always' | 'when-contiguous-needed';
  /** Where input value `value` lies inside the host's output `out`; null when it has no single place. */
  inputView(host: GraphNode, value: number, out: Loc, shapeOf: (value: number) => readonly number[]): Loc | null;
}

/**
 * A product read only by one consumer that adds another of its inputs to it: the producer's lowering
 * adds that input in its epilogue (StepContext.fusedEpilogue) and the consumer emits nothing.
 */
export interface EpilogueFusion {
  readonly producer: OpName;
  readonly consumer: OpName;
  /** The consumer's input that is the product. */
  readonly productInput: number;
  /** The consumer's input the epilogue adds: computed before the producer runs, of the product's shape. */
  readonly addendInput: number;
}

/**
 * A consumer that writes one of a producer's outputs into a tensor in place (its output is that
 * tensor's storage, donated by the caller): the producer writes there itself
 * (StepContext.fusedWrites) and the consumer emits nothing.
 */
export interface InPlaceWriteFusion {
  readonly producer: OpName;
  readonly consumer: OpName;
  /** The producer's outputs that may be written this way; fusedWrites() answers in this order. */
  readonly producerOutputs: readonly number[];
  /** The consumer's input that is the producer's output. */
  readonly valueInput: number;
  /** The consumer's input whose storage is written (read by nothing else). */
  readonly targetInput: number;
  /** Consumer inputs the producer reads too: computed before it runs, the same for all its fused writes. */
  readonly sharedInputs: readonly number[];
}

export interface PlanTarget<O extends PlanOptions = PlanOptions> {
  readonly lowerings: Lowerings<O>;
  /** Whether `backend` runs this node natively, and why not (the decomposition then runs instead). */
  claims(view: NodeView, backend: string): Capability;
  /** Ops that read their inputs through any strides; every other op is given contiguous inputs. */
  readonly stridedReaders: readonly OpName[];
  /** Ops that write their outputs through any strides, with the condition they need. */
  readonly stridedWriters: Partial<Record<OpName, StridedWriteCondition>>;
  /** Ops that give their inputs a place inside their output. */
  readonly placementHosts: Partial<Record<OpName, PlacementHost>>;
  readonly epilogueFusions: readonly EpilogueFusion[];
  readonly inPlaceWriteFusions: readonly InPlaceWriteFusion[];
  /** Records that copy `src` into `dst` (same shape and dtype, any strides). */
  copy(emitter: Emitter, src: Loc, dst: Loc): void;
  /** Why a record of this op set the device's error flag (what it checks on the device). */
  readonly flagReasons: Partial<Record<OpName, string>>;
}

/** The flag reason of an op's record; a general one for ops the target does not describe. */
export function flagReasonOf(target: Pick<PlanTarget, 'flagReasons'>, op: OpName | undefined): string {
  return (op !== undefined ? target.flagReasons[op] : undefined) ?? 'an index or cache offset is out of range';
}
