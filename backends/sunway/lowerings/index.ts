/**
 * The Sunway family's registration list: every op it runs natively, with the lowering that turns its
 * node into launch records. One entry a line, in the catalogue's order; an op missing here is refused
 * by claims() and decomposed (composites) or unrunnable.
 */
import type { OpName } from '../../../core/backend-api/plugin-api.js';
import { attention, groupedQueryAttention, qkvBiasRope, rope, rotaryTable } from './attention.js';
import { cacheWrite } from './cache-write.js';
import { allReduce, concat, gather, reshape, slice, split, transpose } from './data-movement.js';
import { add, biasGeglu, cast, deepnormResidual, dequantize, geglu, gelu, glmMaskFill, maskedFill, mul, scale } from './elementwise.js';
import { interleavedRope, rmsNorm, swiglu } from './glm-family.js';
import { linear, matmul } from './matmul.js';
import { layerNorm, logSumExp, softmax, topK } from './reductions.js';
import type { SunwayLowering } from './sunway-lowering.js';

export const SUNWAY_LOWERINGS: Readonly<Partial<Record<OpName, SunwayLowering>>> = {
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
  'attention': attention,
  'geglu': geglu,
  'bias-geglu': biasGeglu,
  'deepnorm-residual': deepnormResidual,
  'rms-norm': rmsNorm,
  'swiglu': swiglu,
  'grouped-query-attention': groupedQueryAttention,
  'interleaved-rope': interleavedRope,
  // collectives (one rank)
  'all-reduce': allReduce,
};
