import { FLOATS, intAttr, typeFail, type OpDefinition } from '../op-definition.js';
import { formatShape } from '../dim.js';

export const topK: OpDefinition = {
  name: 'top-k',
  kind: 'primitive',
  semantics:
    'The k largest elements of each row of x along the last axis (N wide): values[..., j] is the j-th largest element, ' +
    'converted exactly to f32, and indices[..., j] its position in the row. Sorted by value, largest first; equal values ' +
    'in ascending index order, so the result is unique. The order is total: NaN ranks above +inf (as in torch.topk) and ' +
    'NaNs are equal to each other; −0 equals +0 (the element at the lower index is the one reported). Nothing is computed: ' +
    'every backend returns the reference\'s bits.',
  inputs: [{ name: 'x', dtypes: FLOATS, doc: '[..., N], rank ≥ 1' }],
  outputs: ['values', 'indices'],
  attrs: { k: { type: 'int', doc: 'elements kept per row, 1 ≤ k ≤ N' } },
  inferTypes([x], attrs) {
    const shape = x!.shape;
    const k = intAttr(attrs, 'k');
    if (shape.length === 0) typeFail('top-k needs x of rank ≥ 1, got a scalar');
    const n = shape[shape.length - 1]!;
    if (k < 1) typeFail(`top-k k must be ≥ 1, got ${k}`);
    // A symbolic N is checked when the graph runs (the kernels refuse k > N then).
    if (typeof n === 'number' && k > n) typeFail(`top-k k = ${k} exceeds the row length N = ${n} of x ${formatShape(shape)}`);
    const outShape = [...shape.slice(0, -1), k];
    return [
      { dtype: 'f32', shape: outShape },
      { dtype: 'i32', shape: outShape },
    ];
  },
};
