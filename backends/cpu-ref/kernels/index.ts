/** Every op of the catalogue has exactly one reference kernel here. */
import type { RefKernel } from './kernel.js';
import { add, mul } from './elementwise-binary.js';
import { allReduce } from './all-reduce.js';
import { attention } from './attention.js';
import { biasGeglu } from './bias-geglu.js';
import { cacheWrite } from './cache-write.js';
import { cast } from './cast.js';
import { concat } from './concat.js';
import { deepnormResidual } from './deepnorm-residual.js';
import { dequantize } from './dequantize.js';
import { gather } from './gather.js';
import { geglu } from './geglu.js';
import { gelu } from './gelu.js';
import { glmMaskFill } from './glm-mask-fill.js';
import { layerNorm } from './layer-norm.js';
import { linear } from './linear.js';
import { logSumExp } from './log-sum-exp.js';
import { maskedFill } from './masked-fill.js';
import { matmul } from './matmul.js';
import { qkvBiasRope } from './qkv-bias-rope.js';
import { reshape } from './reshape.js';
import { rope } from './rope.js';
import { rotaryTable } from './rotary-table.js';
import { scale } from './scale.js';
import { slice } from './slice.js';
import { softmax } from './softmax.js';
import { split } from './split.js';
import { topK } from './top-k.js';
import { transpose } from './transpose.js';

export const REFERENCE_KERNELS: Readonly<Record<string, RefKernel>> = {
  matmul, add, mul, scale, 'layer-norm': layerNorm, gelu, softmax, cast, reshape, transpose, split, concat, slice, gather,
  'masked-fill': maskedFill, 'glm-mask-fill': glmMaskFill, 'rotary-table': rotaryTable, dequantize, 'cache-write': cacheWrite, 'top-k': topK, 'log-sum-exp': logSumExp,
  linear, rope, 'qkv-bias-rope': qkvBiasRope, attention, geglu, 'bias-geglu': biasGeglu, 'deepnorm-residual': deepnormResidual,
  'all-reduce': allReduce,
};
