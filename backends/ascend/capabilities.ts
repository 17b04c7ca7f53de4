/**
 * What the Ascend family claims on each SoC generation, node by node, with a reason for every
 * refusal: an op needs a lowering for the generation (composites without one are decomposed into
 * ones that have); the original 910 has no BF16 in any op; aclnnCast truncates floats toward zero
 * where the IR's cast rounds to nearest even; aclTensor views have at most 8 dims.
 */
import { SUPPORTED, unsupported, type Capability, type NodeView, type OpName } from '../../core/backend-api/plugin-api.js';
import type { AscendLowerings } from './lowerings/index.js';
import type { SocGeneration } from './soc.js';

/** Dims of an aclTensor view the lowerings build (GGML's broadcast views reach 8 too). */
export const MAX_RANK = 8;

const FLOAT_TYPES = new Set(['f32', 'f16', 'bf16']);

function claimsCast(view: NodeView): Capability {
  const from = view.inputTypes[0]?.dtype;
  const to = view.outputTypes[0]?.dtype;
  if (to === 'i32' && from !== undefined && FLOAT_TYPES.has(from)) {
    return unsupported('aclnnCast converts floats to integers by truncating toward zero (and leaves NaN undefined); the IR\'s cast rounds to nearest even and maps NaN to 0');
  }
  return SUPPORTED;
}

function claimsAllReduce(view: NodeView, backend: string): Capability {
  const worldSize = (view.node.attrs['worldSize'] as number | undefined) ?? 1;
  return worldSize === 1 ? SUPPORTED : unsupported(`all-reduce over several ranks needs HCCL, not bound by ${backend} yet`);
}

const OP_LIMITS: Readonly<Partial<Record<OpName, (view: NodeView, backend: string) => Capability>>> = {
  'cast': claimsCast,
  'all-reduce': claimsAllReduce,
};

function usesBf16(view: NodeView): boolean {
  return [...view.inputTypes, ...view.outputTypes].some((t) => t?.dtype === 'bf16');
}

/** The claims of `backend` planning for `generation` (SoC `socName`) with `lowerings`. */
export function ascendClaims(generation: SocGeneration, socName: string, lowerings: AscendLowerings) {
  return (view: NodeView, backend: string): Capability => {
    const { op } = view.node;
    if (generation === 'original910' && usesBf16(view)) {
      return unsupported(`the original Ascend 910 (${socName}) has no BF16: its aclnn ops take fp16 and fp32 only`);
    }
    if (!lowerings[op]) return unsupported(`${backend} has no lowering for "${op}" on ${socName}`);
    for (const t of [...view.inputTypes, ...view.outputTypes]) {
      if (t && t.shape.length > MAX_RANK) return unsupported(`tensors of rank ${t.shape.length} exceed aclTensor views of ${MAX_RANK} dims`);
    }
    return OP_LIMITS[op]?.(view, backend) ?? SUPPORTED;
  };
}
