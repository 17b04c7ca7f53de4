import { ALL_DTYPES, intAttr, typeFail, type OpDefinition } from '../op-definition.js';
import { addDims, dimsEqual, formatShape, type Dim } from '../dim.js';
import { normalizeAxis } from './shape-rules.js';

export const concat: OpDefinition = {
  name: 'concat',
  kind: 'primitive',
  semantics: 'Join the inputs along axis, in order; all other dims must agree. An input may have length 0 on the axis (an empty KV cache).',
  inputs: [{ name: 'parts', dtypes: ALL_DTYPES.filter((d) => d !== 'i4'), variadic: true, doc: 'one or more tensors' }],
  outputs: ['out'],
  attrs: { axis: { type: 'int', doc: 'the joined axis' } },
  inferTypes(parts, attrs) {
    const first = parts[0]!;
    const axis = normalizeAxis(intAttr(attrs, 'axis'), first.shape.length);
    let length: Dim = 0;
    for (const p of parts) {
      if (p!.dtype !== first.dtype) typeFail(`concat inputs have dtypes ${first.dtype} and ${p!.dtype}`);
      const agree = p!.shape.length === first.shape.length && p!.shape.every((d, i) => i === axis || dimsEqual(d, first.shape[i]!));
      if (!agree) typeFail(`concat along ${axis}: ${formatShape(first.shape)} and ${formatShape(p!.shape)} disagree`);
      length = addDims(length, p!.shape[axis]!);
    }
    return [{ dtype: first.dtype, shape: first.shape.map((d, i) => (i === axis ? length : d)) }];
  },
};
