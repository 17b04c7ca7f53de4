/**
 * The Ascend family's PlanTarget, made for the SoC generation opened (the original 910, or A2/A3):
 * which ops it lowers natively and with what (lowerings/index.ts), its claims (capabilities.ts), and
 * which ops read strided views. aclnn ops take strided aclTensor views, so a transpose, split, slice
 * or reshape is a view, and the consumers listed here read it as it lies; the KV cache is written
 * in place through a view at the device-held offset.
 */
import { SUPPORTED, unsupported, type DimBindings, type Graph, type OpName } from '../../core/backend-api/plugin-api.js';
import type { PlanTarget } from '../program/plan-target.js';
import { planGraph, type Plan } from '../program/planner/plan-graph.js';
import type { BoundAlignment } from '../program/planner/plan-state.js';
import { ascendClaims } from './capabilities.js';
import { emitCopy } from './lowerings/copy.js';
import { loweringsFor } from './lowerings/index.js';
import type { AscendPlanOptions } from './plan-options.js';

/** Ops whose lowerings hand every input to aclnn as the view it is (any strides, offset). */
const STRIDED_READERS: readonly OpName[] = [
  'transpose',
  'split',
  'slice',
  'concat',
  'gather',
  'add',
  'mul',
  'scale',
  'cast',
  'gelu',
  'matmul',
  'masked-fill',
  'deepnorm-residual',
  'cache-write',
  'top-k',
  'all-reduce',
];

/** What a host step checks of the values it reads back (the program runtime's error flag). */
const FLAG_REASONS: Readonly<Partial<Record<OpName, string>>> = {
  'cache-write': 'cache-write offset out of range (offset < 0 or offset + S > capacity)',
  'glm-mask-fill': 'glm-mask-fill length out of range (length < queries or length > keys)',
  'attention': 'attention length out of range (length < queries or length > keys)',
};

/** On a rank of openRanks(N), an all-reduce over exactly its N ranks is claimed (HCCL runs it). */
function rankClaims(claims: PlanTarget<AscendPlanOptions>['claims'], ranks: number | undefined): PlanTarget<AscendPlanOptions>['claims'] {
  if (ranks === undefined) return claims;
  return (view, backend) => {
    if (view.node.op !== 'all-reduce') return claims(view, backend);
    const worldSize = (view.node.attrs['worldSize'] as number | undefined) ?? 1;
    return worldSize === ranks ? SUPPORTED : unsupported(`this ${backend} rank's HCCL communicator has ${ranks} ranks, the all-reduce spans ${worldSize}`);
  };
}

export function ascendTarget(options: AscendPlanOptions): PlanTarget<AscendPlanOptions> {
  const lowerings = loweringsFor(options.generation);
  return {
    lowerings,
    claims: rankClaims(ascendClaims(options.generation, options.socName, lowerings), options.collectiveRanks),
    stridedReaders: STRIDED_READERS,
    stridedWriters: {},
    placementHosts: {},
    epilogueFusions: [],
    inPlaceWriteFusions: [],
    copy: (emitter, src, dst) => emitCopy(emitter, src, dst),
    flagReasons: FLAG_REASONS,
  };
}

/** planGraph with the Ascend target (tests plan without a device). */
export function planAscendGraph(graph: Graph, dims: DimBindings, boundAlign: BoundAlignment, options: AscendPlanOptions, donations: ReadonlyMap<string, string> = new Map()): Plan {
  return planGraph(graph, dims, boundAlign, ascendTarget(options), options, donations);
}
