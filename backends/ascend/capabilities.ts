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
  return worldSize === 1 ? SUPPORTED : unsupported(`all-reduce over ${worldSize} ranks needs the ranks of openRanks(${worldSize}), joined by HCCL; this ${backend} instance is a single rank`);
}

/** Which fused kernel the attention lowering (lowerings/fused.ts) takes, and what it refuses. */
function claimsAttention(view: NodeView, _backend: string, generation: SocGeneration): Capability {
  // The fused kernels give a row whose keys are all masked zeros; GLM's −10000 fill gives it the mean.
  if (view.node.attrs['mask'] === 'explicit') return unsupported('an explicit mask may mask whole rows, which the fused attention kernels zero; it runs as its decomposition');
  const fia = (view.inputTypes[4] ?? null) !== null || generation !== 'a2';
  if (fia && view.inputTypes[0]?.dtype === 'f32') return unsupported('FusedInferAttentionScoreV2 takes fp16 and bf16 only; fp32 attention over a cache runs as its decomposition');
  return SUPPORTED;
}

/** RotaryPositionEmbedding's interleave mode (one call per batch row, lowerings/interleaved-rope.ts): B·N < 1000 and D < 896. */
function claimsInterleavedRope(view: NodeView): Capability {
  const heads = view.inputTypes[0]?.shape[1];
  const r = view.node.attrs['rotaryDim'] as number;
  if (typeof heads !== 'number' || heads >= 1000) return unsupported(`RotaryPositionEmbedding's interleave mode takes fewer than 1000 heads a call, got ${heads}; decomposed`);
  if (r >= 896) return unsupported(`RotaryPositionEmbedding takes a rotated width below 896, got rotaryDim ${r}; decomposed`);
  return SUPPORTED;
}

type Limit = (view: NodeView, backend: string, generation: SocGeneration) => Capability;

const OP_LIMITS: Readonly<Partial<Record<OpName, Limit>>> = {
  'cast': claimsCast,
  'attention': claimsAttention,
  'grouped-query-attention': claimsAttention,
  'interleaved-rope': claimsInterleavedRope,
  'all-reduce': claimsAllReduce,
};

/** Why the original 910 lowers no fused op for these composites: their decompositions are its mapping. */
const NOT_ON_910: Readonly<Partial<Record<OpName, string>>> = {
  'attention': 'the original 910 has no fused attention (FlashAttentionScore and FusedInferAttentionScore are A2/A3 ops): BatchMatMul, Muls, the GLM mask, fp32 Softmax and BatchMatMul instead',
  'geglu': 'the original 910 has no GeGluV3: GeluV2(x₂, 0) and Mul on the split halves instead',
  'bias-geglu': 'the original 910 has no GeGluV3: the bias Add, then GeluV2(x₂, 0) and Mul on the split halves instead',
  'grouped-query-attention': 'the original 910 has no fused attention: the KV heads repeated, then BatchMatMul, Muls, the GLM mask, fp32 Softmax and BatchMatMul',
  'rms-norm': 'the original 910 has no RmsNorm (an A2/A3 op): LayerNorm of [x, −x] instead',
  'swiglu': 'the original 910 has no SwiGlu (an A2/A3 op): the sigmoid as a Softmax over a new axis of 2, and Mul, instead',
  'interleaved-rope': 'the original 910 has no RotaryPositionEmbedding (an A2/A3 op): the rotated part regrouped to rotate-half pairs, its composed rope, regrouped back',
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
    if (!lowerings[op]) return unsupported((generation === 'original910' ? NOT_ON_910[op] : undefined) ?? `${backend} has no lowering for "${op}" on ${socName}`);
    for (const t of [...view.inputTypes, ...view.outputTypes]) {
      if (t && t.shape.length > MAX_RANK) return unsupported(`tensors of rank ${t.shape.length} exceed aclTensor views of ${MAX_RANK} dims`);
    }
    return OP_LIMITS[op]?.(view, backend, generation) ?? SUPPORTED;
  };
}
