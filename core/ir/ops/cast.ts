import { stringAttr, type OpDefinition } from '../op-definition.js';
import type { DType } from '../../tensor/dtype.js';

export const cast: OpDefinition = {
  name: 'cast',
  kind: 'primitive',
  semantics:
    'Convert to dtype "to": float → float rounds to nearest even; i32 → float rounds to nearest even; ' +
    'float → i32 rounds to nearest even and saturates (NaN → 0).',
  inputs: [{ name: 'x', dtypes: ['f32', 'f16', 'bf16', 'i32'], doc: 'any shape' }],
  outputs: ['out'],
  attrs: { to: { type: 'dtype', oneOf: ['f32', 'f16', 'bf16', 'i32'], doc: 'target dtype' } },
  inferTypes([x], attrs) {
    return [{ dtype: stringAttr<DType>(attrs, 'to'), shape: x!.shape }];
  },
};
