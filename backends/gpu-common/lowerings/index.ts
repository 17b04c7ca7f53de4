/** Every op the backend claims, and the function that turns its node into launch records. */
import type { Lowering } from '../planner.js';
import { attention, qkvBiasRope, rope, rotaryTable } from './attention.js';
import { cacheWrite } from './cache-write.js';
import { allReduce, concat, gather, reshape, slice, split, transpose } from './data-movement.js';
import { add, biasGeglu, cast, deepnormResidual, dequantize, geglu, gelu, glmMaskFill, maskedFill, mul, scale } from './elementwise.js';
import { linear, matmul } from './matmul.js';
import { layerNorm, softmax } from './reductions.js';
import { logSumExp, topK } from './sampling.js';

export const LOWERINGS: Readonly<Record<string, Lowering>> = {
  matmul, add, mul, scale, 'layer-norm': layerNorm, gelu, softmax, cast, reshape, transpose, split, concat, slice, gather,
  'masked-fill': maskedFill, 'glm-mask-fill': glmMaskFill, 'rotary-table': rotaryTable, dequantize, 'top-k': topK, 'log-sum-exp': logSumExp, 'cache-write': cacheWrite,
  linear, rope, 'qkv-bias-rope': qkvBiasRope, attention, geglu, 'bias-geglu': biasGeglu, 'deepnorm-residual': deepnormResidual,
  'all-reduce': allReduce,
};
