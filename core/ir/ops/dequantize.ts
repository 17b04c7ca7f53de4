import { stringAttr, typeFail, type OpDefinition } from '../op-definition.js';
import type { DType } from '../../tensor/dtype.js';
import { requireDim, requireRank } from './shape-rules.js';

export const dequantize: OpDefinition = {
  name: 'dequantize',
  kind: 'primitive',
  semantics: 'Weight-only dequantization with one scale per output row: out[r, c] = q[r, c] · scale[r], rounded to "to".',
  inputs: [
    { name: 'q', dtypes: ['i8', 'i4'], doc: '[out, in] (i4: packed two per byte, even element in the high nibble)' },
    { name: 'scale', dtypes: ['f32', 'f16', 'bf16'], doc: '[out]' },
  ],
  outputs: ['out'],
  attrs: { to: { type: 'dtype', oneOf: ['f32', 'f16', 'bf16'], doc: 'output dtype' } },
  inferTypes([q, s], attrs) {
    requireRank(q!, 2, 'dequantize q');
    requireRank(s!, 1, 'dequantize scale');
    requireDim(s!.shape[0]!, q!.shape[0]!, 'dequantize scale length');
    if (q!.dtype === 'i4' && typeof q!.shape[1] === 'number' && q!.shape[1] % 2 !== 0) typeFail('i4 rows must have an even length');
    return [{ dtype: stringAttr<DType>(attrs, 'to'), shape: q!.shape }];
  },
};
