import { FLOATS, typeFail, type OpDefinition } from '../op-definition.js';

export const logSumExp: OpDefinition = {
  name: 'log-sum-exp',
  kind: 'primitive',
  semantics:
    'out[...] = log Σ_i exp(x[..., i]) over the last axis, computed as m + log Σ exp(x − m) with m the row\'s maximum ' +
    '(the reference in float64, rounded once to f32; backends accumulate in fp32). The last axis is removed: a rank-1 x ' +
    'gives a scalar (shape []), like numpy\'s reductions. A row with a NaN gives NaN; otherwise a row whose maximum is ' +
    '+inf gives +inf, and a row of −inf (or an empty row, N = 0: the log of an empty sum) gives −inf.',
  inputs: [{ name: 'x', dtypes: FLOATS, doc: '[..., N], rank ≥ 1' }],
  outputs: ['out'],
  attrs: {},
  inferTypes([x]) {
    const shape = x!.shape;
    if (shape.length === 0) typeFail('log-sum-exp needs x of rank ≥ 1, got a scalar');
    return [{ dtype: 'f32', shape: shape.slice(0, -1) }];
  },
};
