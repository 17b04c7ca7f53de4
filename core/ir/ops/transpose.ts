import { ALL_DTYPES, intsAttr, typeFail, type OpDefinition } from '../op-definition.js';

export const transpose: OpDefinition = {
  name: 'transpose',
  kind: 'primitive',
  semantics: 'out has dims permuted: out.shape[i] = x.shape[perm[i]], out[idx] = x[idx permuted back].',
  inputs: [{ name: 'x', dtypes: ALL_DTYPES.filter((d) => d !== 'i4'), doc: 'any shape' }],
  outputs: ['out'],
  attrs: { perm: { type: 'ints', doc: 'a permutation of 0..rank-1' } },
  inferTypes([x], attrs) {
    const perm = intsAttr(attrs, 'perm');
    const rank = x!.shape.length;
    const sorted = [...perm].sort((a, b) => a - b);
    if (perm.length !== rank || sorted.some((p, i) => p !== i)) typeFail(`perm [${perm.join(', ')}] is not a permutation of rank ${rank}`);
    return [{ dtype: x!.dtype, shape: perm.map((p) => x!.shape[p]!) }];
  },
};
