/** The closed op set of the IR. Adding an op means adding its file here and its kernel to cpu-ref. */
import { GlmError } from '../../errors.js';
import type { OpDefinition } from '../op-definition.js';
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

const ALL: readonly OpDefinition[] = [
  // primitives
  matmul, add, mul, scale, layerNorm, gelu, softmax, cast, reshape, transpose, split, concat, slice, gather,
  maskedFill, glmMaskFill, rotaryTable, dequantize, cacheWrite, topK, logSumExp,
  // composites
  linear, rope, qkvBiasRope, attention, geglu, biasGeglu, deepnormResidual,
  // collectives
  allReduce,
];

export const OP_CATALOGUE: ReadonlyMap<string, OpDefinition> = new Map(ALL.map((op) => [op.name, op]));

export function getOp(name: string): OpDefinition {
  const def = OP_CATALOGUE.get(name);
  if (!def) throw new GlmError('unsupported', `unknown op "${name}" (known: ${[...OP_CATALOGUE.keys()].join(', ')})`);
  return def;
}
