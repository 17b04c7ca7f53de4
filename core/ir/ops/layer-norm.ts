import { FLOATS, type OpDefinition } from '../op-definition.js';
import { requireDim, requireRank } from './shape-rules.js';

export const layerNorm: OpDefinition = {
  name: 'layer-norm',
  kind: 'primitive',
  semantics:
    'Over the last dim of size H: μ = mean(x), σ² = mean((x − μ)²) (biased), out = (x − μ)/sqrt(σ² + eps) · weight + bias. ' +
    'Backends accumulate in fp32; the reference in float64; the output takes x\'s dtype.',
  inputs: [
    { name: 'x', dtypes: FLOATS, doc: '[..., H]' },
    { name: 'weight', dtypes: FLOATS, doc: '[H]' },
    { name: 'bias', dtypes: FLOATS, doc: '[H]' },
  ],
  outputs: ['out'],
  attrs: { eps: { type: 'float', default: 1e-5, doc: 'added to the variance' } },
  inferTypes([x, w, b]) {
    const h = x!.shape[x!.shape.length - 1]!;
    requireRank(w!, 1, 'layer-norm weight');
    requireRank(b!, 1, 'layer-norm bias');
    requireDim(w!.shape[0]!, h, 'layer-norm weight size');
    requireDim(b!.shape[0]!, h, 'layer-norm bias size');
    return [x!];
  },
};
