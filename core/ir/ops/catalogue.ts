/**
 * The closed op set of the IR: one definition per name of OP_NAMES (op-names.ts), read top to bottom.
 * Adding an op means adding its name there, its file here and its kernel to cpu-ref.
 */
import { GlmError } from '../../errors.js';
import type { OpDefinition } from '../op-definition.js';
import { OP_NAMES, type OpName } from './op-names.js';
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

/** Typed by name, so a name of OP_NAMES without a definition does not compile (tests/ir checks each key is its op's name). */
export const OP_DEFINITIONS: Readonly<Record<OpName, OpDefinition>> = {
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

export const OP_CATALOGUE: ReadonlyMap<string, OpDefinition> = new Map(OP_NAMES.map((name) => [name, OP_DEFINITIONS[name]]));

export function getOp(name: string): OpDefinition {
  const def = OP_CATALOGUE.get(name);
  if (!def) throw new GlmError('unsupported', `unknown op "${name}" (known: ${[...OP_CATALOGUE.keys()].join(', ')})`);
  return def;
}
