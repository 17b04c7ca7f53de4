import { intAttr, typeFail, type OpDefinition } from '../op-definition.js';
import { requireRank } from './shape-rules.js';

export const rotaryTable: OpDefinition = {
  name: 'rotary-table',
  kind: 'primitive',
  semantics:
    'cos and sin of the rotary angles: inv_freq[i] = base^(−2i/dim) for i < dim/2, θ = position · inv_freq, emb = concat(θ, θ); ' +
    'outputs cos(emb), sin(emb) as f32 [B, 1, S, dim]. The reference computes in float64 (the release used fp16 tables).',
  inputs: [{ name: 'positions', dtypes: ['i32'], doc: '[B, S]' }],
  outputs: ['cos', 'sin'],
  attrs: {
    dim: { type: 'int', doc: 'rotated width (even)' },
    base: { type: 'float', default: 10000, doc: 'frequency base' },
  },
  inferTypes([positions], attrs) {
    requireRank(positions!, 2, 'rotary-table positions');
    const dim = intAttr(attrs, 'dim');
    if (dim <= 0 || dim % 2 !== 0) typeFail(`rotary dim must be positive and even, got ${dim}`);
    const [b, s] = positions!.shape;
    const t = { dtype: 'f32' as const, shape: [b!, 1, s!, dim] };
    return [t, t];
  },
};
