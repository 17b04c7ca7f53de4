import { FLOATS, typeFail, type OpDefinition } from '../op-definition.js';
import { formatShape, shapesEqual } from '../dim.js';
import { broadcastShapes } from './shape-rules.js';

export const maskedFill: OpDefinition = {
  name: 'masked-fill',
  kind: 'primitive',
  semantics: 'out = mask ≠ 0 ? x : value, mask broadcast to x (mask true means "keep", as in GLM\'s "may attend").',
  inputs: [
    { name: 'x', dtypes: FLOATS, doc: 'any shape' },
    { name: 'mask', dtypes: ['i8'], doc: 'broadcastable to x' },
  ],
  outputs: ['out'],
  attrs: { value: { type: 'float', doc: 'the fill value (GLM: -10000)' } },
  inferTypes([x, mask]) {
    // A mask may broadcast to x, never x to the mask.
    const b = broadcastShapes(x!.shape, mask!.shape);
    if (!shapesEqual(b, x!.shape)) typeFail(`mask ${formatShape(mask!.shape)} would grow x ${formatShape(x!.shape)}`);
    return [x!];
  },
};
