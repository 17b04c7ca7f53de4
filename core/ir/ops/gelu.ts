import { FLOATS, type OpDefinition } from '../op-definition.js';

export const gelu: OpDefinition = {
  name: 'gelu',
  kind: 'primitive',
  semantics:
    'approximate "none": x · ½(1 + erf(x/√2)) (GLM-130B); approximate "tanh": ½x(1 + tanh(√(2/π)(x + 0.044715x³))) (ChatGLM-6B). ' +
    'Reference in float64, rounded once.',
  inputs: [{ name: 'x', dtypes: FLOATS, doc: 'any shape' }],
  outputs: ['out'],
  attrs: { approximate: { type: 'string', default: 'none', oneOf: ['none', 'tanh'], doc: 'exact erf form or tanh approximation' } },
  inferTypes([x]) {
    return [x!];
  },
};
