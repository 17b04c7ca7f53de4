/** Every op of the catalogue has exactly one reference kernel here. */
import type { OpName } from '../../../core/backend-api/plugin-api.js';
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
import { groupedQueryAttention } from './grouped-query-attention.js';
import { interleavedRope } from './interleaved-rope.js';
import { glmMaskFill } from './glm-mask-fill.js';
import { layerNorm } from './layer-norm.js';
import { linear } from './linear.js';
import { logSumExp } from './log-sum-exp.js';
import { maskedFill } from './masked-fill.js';
import { matmul } from './matmul.js';
import { qkvBiasRope } from './qkv-bias-rope.js';
import { reshape } from './reshape.js';
import { rmsNorm } from './rms-norm.js';
import { rope } from './rope.js';
import { rotaryTable } from './rotary-table.js';
import { scale } from './scale.js';
import { slice } from './slice.js';
import { softmax } from './softmax.js';
import { split } from './split.js';
import { swiglu } from './swiglu.js';
import { topK } from './top-k.js';
import { transpose } from './transpose.js';

/** One reference kernel per op, in the catalogue's order; typed by OpName, so a missing one does not compile. */
export const REFERENCE_KERNELS: Readonly<Record<OpName, RefKernel>> = {
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
  // collectives
  'all-reduce': allReduce,
};
