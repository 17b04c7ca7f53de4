import { ALL_DTYPES, typeFail, type OpDefinition } from '../op-definition.js';
import { elementCountKey, formatShape, type Dim } from '../dim.js';

export const reshape: OpDefinition = {
  name: 'reshape',
  kind: 'primitive',
  semantics: 'The same elements in row-major order under a new shape (dims may be symbolic; the element counts must match).',
  inputs: [{ name: 'x', dtypes: ALL_DTYPES.filter((d) => d !== 'i4'), doc: 'any shape' }],
  outputs: ['out'],
  attrs: { shape: { type: 'dims', doc: 'the new shape; symbolic dims allowed' } },
  inferTypes([x], attrs) {
    const shape = attrs['shape'] as readonly Dim[];
    if (elementCountKey(shape) !== elementCountKey(x!.shape)) {
      typeFail(`cannot reshape ${formatShape(x!.shape)} to ${formatShape(shape)}: element counts differ`);
    }
    return [{ dtype: x!.dtype, shape }];
  },
};
