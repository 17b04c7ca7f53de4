import { FLOATS, type OpDefinition } from '../op-definition.js';
import { requireDim, requireRank } from './shape-rules.js';

export const glmMaskFill: OpDefinition = {
  name: 'glm-mask-fill',
  kind: 'primitive',
  semantics:
    'The GLM prefix-bidirectional mask applied to attention scores [B, heads, Q, K]: the queries are the last Q of the K ' +
    'positions, so query i sits at absolute position p = K − Q + i; score (i, j) is kept iff j < contextLengths[b] or j ≤ p, ' +
    'otherwise set to value (the release uses −10000). With the optional length (i32 [1], read at run time; a fixed-capacity ' +
    'cache holds length valid positions): p = length − Q + i, and score (i, j) is kept iff j < length and (j < contextLengths[b] ' +
    'or j ≤ p); length < Q or length > K is a run-time error.',
  inputs: [
    { name: 'scores', dtypes: FLOATS, doc: '[B, heads, Q, K]' },
    { name: 'contextLengths', dtypes: ['i32'], doc: '[B]: index of [sop] in each row' },
    { name: 'length', dtypes: ['i32'], optional: true, doc: '[1]: valid key positions (default K)' },
  ],
  outputs: ['out'],
  attrs: { value: { type: 'float', default: -10000, doc: 'the fill value of masked scores' } },
  inferTypes([scores, ctx, length]) {
    requireRank(scores!, 4, 'glm-mask-fill scores');
    requireRank(ctx!, 1, 'glm-mask-fill contextLengths');
    requireDim(ctx!.shape[0]!, scores!.shape[0]!, 'glm-mask-fill batch');
    if (length) {
      requireRank(length, 1, 'glm-mask-fill length');
      requireDim(length.shape[0]!, 1, 'glm-mask-fill length size');
    }
    return [scores!];
  },
};
