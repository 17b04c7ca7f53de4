import type { OpDefinition } from '../op-definition.js';
import { FLOATS, boolAttr, typeFail } from '../op-definition.js';
import { formatShape } from '../dim.js';
import { broadcastShapes, requireDim, sameDtype } from './shape-rules.js';

export const matmul: OpDefinition = {
  name: 'matmul',
  kind: 'primitive',
  semantics:
    'out[..., m, n] = Σ_k a[..., m, k] · b[..., k, n] (b[..., n, k] when transposeB). Leading (batch) dims broadcast. ' +
    'Backends accumulate in fp32; the reference sums in float64 from the stored inputs and rounds once to the input dtype.',
  inputs: [
    { name: 'a', dtypes: FLOATS, doc: '[..., M, K]' },
    { name: 'b', dtypes: FLOATS, doc: '[..., K, N], or [..., N, K] with transposeB' },
  ],
  outputs: ['out'],
  attrs: { transposeB: { type: 'bool', default: false, doc: 'b is stored [..., N, K] (weights in [out, in] layout)' } },
  inferTypes([a, b], attrs) {
    sameDtype(a!, b!, 'matmul');
    if (a!.shape.length < 2 || b!.shape.length < 2) typeFail(`matmul needs rank >= 2, got ${formatShape(a!.shape)} x ${formatShape(b!.shape)}`);
    const sa = a!.shape;
    const sb = b!.shape;
    const [m, k] = sa.slice(-2);
    const [kb, n] = boolAttr(attrs, 'transposeB') ? [sb[sb.length - 1]!, sb[sb.length - 2]!] : sb.slice(-2);
    requireDim(kb!, k!, `matmul contraction dim of ${formatShape(sa)} x ${formatShape(sb)}`);
    const batch = broadcastShapes(sa.slice(0, -2), sb.slice(0, -2));
    return [{ dtype: a!.dtype, shape: [...batch, m!, n!] }];
  },
};
