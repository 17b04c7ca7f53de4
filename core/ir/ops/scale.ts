import { FLOATS, type OpDefinition } from '../op-definition.js';

export const scale: OpDefinition = {
  name: 'scale',
  kind: 'primitive',
  semantics: 'out = x · factor, the product taken in float64 and rounded once to the dtype.',
  inputs: [{ name: 'x', dtypes: FLOATS, doc: 'any shape' }],
  outputs: ['out'],
  attrs: { factor: { type: 'float', doc: 'the constant multiplier' } },
  inferTypes([x]) {
    return [x!];
  },
};
