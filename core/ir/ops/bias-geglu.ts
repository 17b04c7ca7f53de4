import { FLOATS, typeFail, type OpDefinition } from '../op-definition.js';
import { requireDim, requireRank, sameDtype } from './shape-rules.js';

/**
 * GeGLU with the up-projection's bias folded in, so that a backend reads the projection's output
 * (the widest activation of a layer: 2·ffn per token) once, for both the bias and the activation.
 */
export const biasGeglu: OpDefinition = {
  name: 'bias-geglu',
  kind: 'composite',
  semantics:
    'y = x + bias, then geglu: split the last dim of y into halves y₁ (first) and y₂ (second); out = y₁ · gelu_erf(y₂). ' +
    'Reference in float64 (the bias sum included), one rounding.',
  inputs: [
    { name: 'x', dtypes: FLOATS, doc: '[..., 2F]: the up-projection x·Wᵀ without its bias' },
    { name: 'bias', dtypes: FLOATS, doc: '[2F]' },
  ],
  outputs: ['out'],
  attrs: {},
  inferTypes([x, bias]) {
    const last = x!.shape[x!.shape.length - 1]!;
    if (typeof last !== 'number' || last % 2 !== 0) typeFail(`bias-geglu needs an even static last dim, got ${last}`);
    sameDtype(bias!, x!, 'bias-geglu bias');
    requireRank(bias!, 1, 'bias-geglu bias');
    requireDim(bias!.shape[0]!, last, 'bias-geglu bias length');
    return [{ dtype: x!.dtype, shape: [...x!.shape.slice(0, -1), last / 2] }];
  },
  decompose(b, [x, bias]) {
    return [b.op1('geglu', [b.op1('add', [x!, bias!], {}, 'bias')], {}, 'geglu')];
  },
};
