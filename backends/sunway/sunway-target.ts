/**
 * The Sunway family's PlanTarget: its lowering policy as the planner asks for it
 * (backends/program/plan-target.ts). The CPE kernels read and write main memory only by DMA, and a
 * strided DMA (bsize contiguous bytes, then a stride skipped) reads any [b, h, row, t] view as cheaply
 * as a contiguous one row by row; so the ops listed here take views and places inside their consumers'
 * outputs: the KV-cache append and the [B, H, Q, d] → [B, Q, H·d] merge cost no copy.
 */
import type { DimBindings, Graph, NodeView, OpName } from '../../core/backend-api/plugin-api.js';
import { concatPartView, transposedView } from '../program/views.js';
import type { PlacementHost, PlanTarget, StridedWriteCondition } from '../program/plan-target.js';
import { planGraph, type Plan } from '../program/planner/plan-graph.js';
import type { BoundAlignment } from '../program/planner/plan-state.js';
import { sunwayClaims } from './capabilities.js';
import type { ChipName } from './chip.js';
import { emitCopy } from './lowerings/copy.js';
import { SUNWAY_LOWERINGS } from './lowerings/index.js';
import type { SunwayPlanOptions } from './plan-options.js';

/** Ops whose kernels read their inputs through any strides; every other op is given contiguous inputs. */
const STRIDED_READERS: readonly OpName[] = [
  'transpose',
  'split',
  'slice',
  'concat',
  'gather',
  'add',
  'mul',
  'rope',
  'attention',
  'grouped-query-attention',
  'all-reduce',
  'cache-write',
];

const always: StridedWriteCondition = () => true;

/** Ops whose kernels write their output through any strides, so it may be placed inside a consumer's. */
const STRIDED_WRITERS: Readonly<Partial<Record<OpName, StridedWriteCondition>>> = {
  'rope': always,
  'qkv-bias-rope': always,
  'attention': always,
  'grouped-query-attention': always,
  // The copy merges the index dims of its output into one, which only contiguous index dims allow.
  'gather': (view: NodeView) => view.inputTypes[1]?.shape.length === 1,
};

const PLACEMENT_HOSTS: Readonly<Partial<Record<OpName, PlacementHost>>> = {
  // Its parts' producers write them in place; concat copies only the others.
  'concat': { materialise: 'always', inputView: concatPartView },
  // Materialised only where its output must be contiguous anyway and its input's producer can write it there.
  'transpose': { materialise: 'when-contiguous-needed', inputView: transposedView },
};

/** Why a record set the error flag: the checks each op's kernels make on values they read. */
const FLAG_REASONS: Readonly<Partial<Record<OpName, string>>> = {
  'gather': 'gather index out of range (index < 0 or index >= the table\'s dim)',
  'cache-write': 'cache-write offset out of range (offset < 0 or offset + S > capacity)',
  'attention': 'attention length out of range (length < queries or length > keys)',
  'grouped-query-attention': 'grouped-query-attention length out of range (length < queries or length > keys)',
  'glm-mask-fill': 'glm-mask-fill length out of range (length < queries or length > keys)',
  // It does the in-place cache-writes of its keys and values (the fusion below).
  'qkv-bias-rope': 'cache offset out of range for the keys and values it writes into the cache (offset < 0 or offset + S > capacity)',
};

/** The target for backends opened on `chip` (claims differ by chip; records do not). */
export function sunwayTarget(chip: ChipName): PlanTarget<SunwayPlanOptions> {
  return {
    lowerings: SUNWAY_LOWERINGS,
    claims: (view, backend) => sunwayClaims(view, backend, chip),
    stridedReaders: STRIDED_READERS,
    stridedWriters: STRIDED_WRITERS,
    placementHosts: PLACEMENT_HOSTS,
    epilogueFusions: [
      // The DeepNorm residual of a product: the GEMM's epilogue adds alpha·residual to the tile in LDM
      // before it is put, so the product makes one trip to main memory instead of three.
      { producer: 'linear', consumer: 'deepnorm-residual', productInput: 1, addendInput: 0 },
    ],
    inPlaceWriteFusions: [
      // The new keys (output 1) and values (output 2) go into a donated KV cache from the kernel that
      // makes them, at the offset it reads on the CPEs; both writes share that offset.
      { producer: 'qkv-bias-rope', consumer: 'cache-write', producerOutputs: [1, 2], valueInput: 1, targetInput: 0, sharedInputs: [2] },
    ],
    copy: (emitter, src, dst) => emitCopy(emitter, src, dst),
    flagReasons: FLAG_REASONS,
  };
}

/** planGraph with the Sunway target (tests, export and the bench plan without a device). */
export function planSunwayGraph(
  graph: Graph,
  dims: DimBindings,
  boundAlign: BoundAlignment,
  options: SunwayPlanOptions,
  donations: ReadonlyMap<string, string> = new Map(),
): Plan {
  return planGraph(graph, dims, boundAlign, sunwayTarget(options.chip), options, donations);
}
