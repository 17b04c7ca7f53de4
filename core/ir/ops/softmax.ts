import { FLOATS, type OpDefinition } from '../op-definition.js';
import { normalizeAxis } from './shape-rules.js';
import { intAttr } from '../op-definition.js';

export const softmax: OpDefinition = {
  name: 'softmax',
  kind: 'primitive',
  semantics:
    'out = exp(x − max) / Σ exp(x − max) along axis. Backends compute in at least fp32 whatever the storage dtype; ' +
    'the reference in float64. The output takes x\'s dtype.',
  inputs: [{ name: 'x', dtypes: FLOATS, doc: 'any shape' }],
  outputs: ['out'],
  attrs: { axis: { type: 'int', default: -1, doc: 'the normalised axis' } },
  inferTypes([x], attrs) {
    normalizeAxis(intAttr(attrs, 'axis'), x!.shape.length);
    return [x!];
  },
};
