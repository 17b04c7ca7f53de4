import { ALL_DTYPES, intAttr, intsAttr, typeFail, type OpDefinition } from '../op-definition.js';
import { dimsEqual } from '../dim.js';
import { normalizeAxis } from './shape-rules.js';

export const split: OpDefinition = {
  name: 'split',
  kind: 'primitive',
  semantics: 'Cut x along axis into consecutive pieces of the given sizes (which must add up to the axis length).',
  inputs: [{ name: 'x', dtypes: ALL_DTYPES.filter((d) => d !== 'i4'), doc: 'any shape' }],
  outputs: 'variadic',
  attrs: {
    axis: { type: 'int', doc: 'the axis cut' },
    sizes: { type: 'ints', doc: 'size of each piece' },
  },
  inferTypes([x], attrs) {
    const axis = normalizeAxis(intAttr(attrs, 'axis'), x!.shape.length);
    const sizes = intsAttr(attrs, 'sizes');
    const total = sizes.reduce((s, v) => s + v, 0);
    if (sizes.length === 0 || sizes.some((s) => s < 0)) typeFail('split sizes must be a non-empty list of non-negative sizes');
    if (!dimsEqual(x!.shape[axis]!, total)) typeFail(`split sizes add up to ${total}, axis ${axis} has ${x!.shape[axis]}`);
    return sizes.map((s) => ({ dtype: x!.dtype, shape: x!.shape.map((d, i) => (i === axis ? s : d)) }));
  },
};
