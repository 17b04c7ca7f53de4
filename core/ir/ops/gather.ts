import { intAttr, type OpDefinition } from '../op-definition.js';
import { normalizeAxis } from './shape-rules.js';

export const gather: OpDefinition = {
  name: 'gather',
  kind: 'primitive',
  semantics:
    'Rows of table picked by integer indices along axis: out.shape = table.shape[:axis] + indices.shape + table.shape[axis+1:]. ' +
    'The embedding lookup (axis 0) and KV-cache beam reordering. An index outside [0, table.shape[axis]) is a run-time error.',
  inputs: [
    { name: 'table', dtypes: ['f32', 'f16', 'bf16', 'i32', 'i8'], doc: 'any shape' },
    { name: 'indices', dtypes: ['i32'], doc: 'any shape' },
  ],
  outputs: ['out'],
  attrs: { axis: { type: 'int', default: 0, doc: 'the indexed axis of table' } },
  inferTypes([table, indices], attrs) {
    const axis = normalizeAxis(intAttr(attrs, 'axis'), table!.shape.length);
    const s = table!.shape;
    return [{ dtype: table!.dtype, shape: [...s.slice(0, axis), ...indices!.shape, ...s.slice(axis + 1)] }];
  },
};
