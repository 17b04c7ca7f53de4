/**
 * The Ascend family's registration lists, one per SoC generation: every op each runs natively, with
 * the lowering that turns its node into aclnn records. One entry a line, in the catalogue's order;
 * an op missing here is refused by claims() and decomposed (composites) into ops that are here.
 * The original 910 lowers the primitives and the composites it composes well from its own ops
 * (linear: Matmul/Addmm; rope: Mul/Add on half-views; DeepNorm: one Add); its attention and GeGLU
 * run as their decompositions (BatchMatMul, Muls, the GLM mask, fp32 Softmax, BatchMatMul; GeluV2 on
 * the second half and Mul). A2/A3 add the fused ops they have (fused.ts; RmsNorm and SwiGlu for the
 * pre-norm family, glm-family.ts; RotaryPositionEmbedding's interleave mode, interleaved-rope.ts).
 */
import type { OpName } from '../../../core/backend-api/plugin-api.js';
import type { SocGeneration } from '../soc.js';
import type { AscendLowering } from './ascend-lowering.js';
import { allReduce, concat, gather, reshape, slice, split, transpose } from './data-movement.js';
import { dequantize } from './dequantize.js';
import { add, cast, deepnormResidual, gelu, maskedFill, mul, scale } from './elementwise.js';
import { glmMaskFill } from './glm-mask.js';
import { cacheWrite } from './kv-cache.js';
import { linear, matmul } from './products.js';
import { layerNorm, logSumExp, softmax, topK } from './reductions.js';
import { attention, biasGeglu, geglu } from './fused.js';
import { rmsNorm, swiglu } from './glm-family.js';
import { interleavedRope } from './interleaved-rope.js';
import { qkvBiasRope, rope } from './rope.js';
import { rotaryTable } from './rotary.js';

export type AscendLowerings = Readonly<Partial<Record<OpName, AscendLowering>>>;

/** What every generation lowers, the original 910 included. */
const COMMON: AscendLowerings = {
  // primitives
  'matmul': matmul,
  'add': add,
  'mul': mul,
  'scale': scale,
  'layer-norm': layerNorm,
  'gelu': gelu,
  'softmax': softmax,
  'cast': cast,
  'reshape': reshape,
  'transpose': transpose,
  'split': split,
  'concat': concat,
  'slice': slice,
  'gather': gather,
  'masked-fill': maskedFill,
  'glm-mask-fill': glmMaskFill,
  'rotary-table': rotaryTable,
  'dequantize': dequantize,
  'cache-write': cacheWrite,
  'top-k': topK,
  'log-sum-exp': logSumExp,
  // composites
  'linear': linear,
  'rope': rope,
  'qkv-bias-rope': qkvBiasRope,
  'deepnorm-residual': deepnormResidual,
  // collectives (one rank)
  'all-reduce': allReduce,
};

/** A2/A3 add their fused ops to the common lowerings. */
const FUSED: AscendLowerings = {
  'attention': attention,
  'grouped-query-attention': attention,
  'geglu': geglu,
  'bias-geglu': biasGeglu,
  'rms-norm': rmsNorm,
  'swiglu': swiglu,
  'interleaved-rope': interleavedRope,
};

export function loweringsFor(generation: SocGeneration): AscendLowerings {
  return generation === 'original910' ? COMMON : { ...COMMON, ...FUSED };
}
