import { FLOATS, typeFail, type OpDefinition } from '../op-definition.js';

export const geglu: OpDefinition = {
  name: 'geglu',
  kind: 'composite',
  semantics:
    'Split the last dim into halves x₁ (first) and x₂ (second); out = x₁ · gelu_erf(x₂). The SECOND half goes through the ' +
    'exact erf GeLU (GLM-130B). Reference in float64, one rounding.',
  inputs: [{ name: 'x', dtypes: FLOATS, doc: '[..., 2F]' }],
  outputs: ['out'],
  attrs: {},
  inferTypes([x]) {
    const last = x!.shape[x!.shape.length - 1]!;
    if (typeof last !== 'number' || last % 2 !== 0) typeFail(`geglu needs an even static last dim, got ${last}`);
    return [{ dtype: x!.dtype, shape: [...x!.shape.slice(0, -1), last / 2] }];
  },
  decompose(b, [x]) {
    const f = (x!.type.shape[x!.type.shape.length - 1] as number) / 2;
    const [gate, act] = b.op('split', [x!], { axis: -1, sizes: [f, f] }, 'halves');
    const activated = b.op1('gelu', [act!], { approximate: 'none' }, 'gelu');
    return [b.op1('mul', [gate!, activated], {}, 'product')];
  },
};
