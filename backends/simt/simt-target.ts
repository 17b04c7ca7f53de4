/**
 * The SIMT family's PlanTarget: the lowering policy CUDA and HIP share, as the planner asks for it
 * (backends/program/plan-target.ts). Its kernels read and write through strides where listed here,
 * so the planner can hand them views and places inside their consumers' outputs: the KV-cache
 * append and the [B, H, Q, d] → [B, Q, H·d] merge cost no copy.
 */
import type { DimBindings, Graph, NodeView, OpName } from '../../core/backend-api/plugin-api.js';
import { concatPartView, transposedView } from '../program/views.js';
import type { PlacementHost, PlanTarget, StridedWriteCondition } from '../program/plan-target.js';
import { planGraph, type Plan } from '../program/planner/plan-graph.js';
import type { BoundAlignment } from '../program/planner/plan-state.js';
import { simtClaims } from './capabilities.js';
import { emitCopy } from './lowerings/copy.js';
import { SIMT_LOWERINGS } from './lowerings/index.js';
import type { SimtPlanOptions } from './plan-options.js';

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

/** Why a record set the device's error flag: the checks each op's kernels make on values they read. */
const FLAG_REASONS: Readonly<Partial<Record<OpName, string>>> = {
  'cache-write': 'cache-write offset out of range (offset < 0 or offset + S > capacity)',
  'attention': 'attention length out of range (length < queries or length > keys)',
  'grouped-query-attention': 'grouped-query-attention length out of range (length < queries or length > keys)',
  'glm-mask-fill': 'glm-mask-fill length out of range (length < queries or length > keys)',
  // It does the in-place cache-writes of its keys and values (the fusion below).
  'qkv-bias-rope': 'cache offset out of range for the keys and values it writes into the cache (offset < 0 or offset + S > capacity)',
};

export const SIMT_TARGET: PlanTarget<SimtPlanOptions> = {
  lowerings: SIMT_LOWERINGS,
  claims: simtClaims,
  stridedReaders: STRIDED_READERS,
  stridedWriters: STRIDED_WRITERS,
  placementHosts: PLACEMENT_HOSTS,
  epilogueFusions: [
    // The DeepNorm residual of a product: the GEMM adds alpha·residual after the product and bias (or
    // runs the DeepNorm kernel after the product where the chosen GEMM cannot).
    { producer: 'linear', consumer: 'deepnorm-residual', productInput: 1, addendInput: 0 },
  ],
  inPlaceWriteFusions: [
    // The new keys (output 1) and values (output 2) go into a donated KV cache from the kernel that
    // makes them, at the offset it reads on the device; both writes share that offset.
    { producer: 'qkv-bias-rope', consumer: 'cache-write', producerOutputs: [1, 2], valueInput: 1, targetInput: 0, sharedInputs: [2] },
  ],
  copy: (emitter, src, dst) => emitCopy(emitter, src, dst),
  flagReasons: FLAG_REASONS,
};

/** planGraph with the SIMT target (tests and benchmarks plan without a device). */
export function planSimtGraph(
  graph: Graph,
  dims: DimBindings,
  boundAlign: BoundAlignment,
  options: SimtPlanOptions,
  donations: ReadonlyMap<string, string> = new Map(),
): Plan {
  return planGraph(graph, dims, boundAlign, SIMT_TARGET, options, donations);
}
