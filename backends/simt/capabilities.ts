/** What the SIMT family claims, node by node, with a reason for every refusal. */
import { SUPPORTED, unsupported, type Capability, type NodeView, type OpName } from '../../core/backend-api/plugin-api.js';
import { MAX_RANK, MAX_TOP_K } from './launch-codes.js';
import { SIMT_LOWERINGS } from './lowerings/index.js';

/** Lanes of a CUDA warp, the narrowest wavefront the fused attention kernels are built for. */
const WARP_LANES = 32;
/** Head-dim elements a lane keeps in registers in the fused attention kernels of a 32-lane warp. */
const HEAD_ELEMENTS_PER_LANE = 8;
/**
 * Largest head dim of the fused attention kernels: 8 elements per lane of a 32-wide warp. A 64-wide
 * wavefront spreads the same 256 elements 4 to a lane, so every SIMT build claims the same heads.
 */
export const MAX_HEAD_DIM = WARP_LANES * HEAD_ELEMENTS_PER_LANE;

function claimsAttention(view: NodeView): Capability {
  const d = view.inputTypes[0]?.shape[3];
  if (typeof d !== 'number') return unsupported('attention needs a static head dim');
  if (d > MAX_HEAD_DIM) return unsupported(`head dim ${d} exceeds the fused kernel's ${MAX_HEAD_DIM}; decomposed into matmul + softmax`);
  return SUPPORTED;
}

function claimsTopK(view: NodeView): Capability {
  const k = view.node.attrs['k'] as number;
  // k rounds of a block-wide maximum per stage: meant for sampling's k, not for sorting whole rows.
  if (k > MAX_TOP_K) return unsupported(`top-k with k = ${k} exceeds the selection kernels' ${MAX_TOP_K}`);
  const n = view.inputTypes[0]?.shape.at(-1);
  if (typeof n === 'number' && n > 2 ** 31 - 1) return unsupported(`top-k over rows of ${n} elements: indices are i32`);
  return SUPPORTED;
}

function claimsAllReduce(view: NodeView, backend: string): Capability {
  const worldSize = (view.node.attrs['worldSize'] as number | undefined) ?? 1;
  return worldSize === 1
    ? SUPPORTED
    : unsupported(`all-reduce over ${worldSize} ranks needs the ranks of openRanks(${worldSize}), joined by NCCL/RCCL (or the emulator's in-process collective); this ${backend} instance is a single rank`);
}

/** The claims of a rank of openRanks(groupSize): its all-reduce spans exactly its group. */
export function simtRankClaims(groupSize: number): (view: NodeView, backend: string) => Capability {
  return (view, backend) => {
    if (view.node.op !== 'all-reduce') return simtClaims(view, backend);
    const worldSize = (view.node.attrs['worldSize'] as number | undefined) ?? 1;
    return worldSize === groupSize ? SUPPORTED : unsupported(`this ${backend} rank belongs to a group of ${groupSize}, the all-reduce spans ${worldSize}`);
  };
}

/** The ops whose kernels have limits of their own, and the check of each. */
const OP_LIMITS: Readonly<Partial<Record<OpName, (view: NodeView, backend: string) => Capability>>> = {
  'attention': claimsAttention,
  'grouped-query-attention': claimsAttention,
  'top-k': claimsTopK,
  'all-reduce': claimsAllReduce,
};

/** The SIMT family's claims for `backend`: a kernel for the op, ranks within the kernels' limit, and each op's own limits. */
export function simtClaims(view: NodeView, backend: string): Capability {
  const { op } = view.node;
  if (!SIMT_LOWERINGS[op]) return unsupported(`${backend} has no kernel for op "${op}"`);
  for (const t of [...view.inputTypes, ...view.outputTypes]) {
    if (t && t.shape.length > MAX_RANK) return unsupported(`tensors of rank ${t.shape.length} exceed the kernels' ${MAX_RANK} dims`);
  }
  return OP_LIMITS[op]?.(view, backend) ?? SUPPORTED;
}
