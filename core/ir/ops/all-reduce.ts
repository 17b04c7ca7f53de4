import { FLOATS, type OpDefinition } from '../op-definition.js';

export const allReduce: OpDefinition = {
  name: 'all-reduce',
  kind: 'collective',
  semantics:
    'Sum of x over the tensor-parallel group, the same result on every rank. Lowered to NCCL / RCCL / HCCL by the backends; ' +
    'with worldSize 1 it is the identity.',
  inputs: [{ name: 'x', dtypes: FLOATS, doc: 'any shape' }],
  outputs: ['out'],
  attrs: {
    reduction: { type: 'string', default: 'sum', oneOf: ['sum'], doc: 'the reduction' },
    worldSize: { type: 'int', default: 1, doc: 'ranks in the group' },
  },
  inferTypes([x]) {
    return [x!];
  },
};
