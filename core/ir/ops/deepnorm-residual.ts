import { FLOATS, typeFail, type OpDefinition } from '../op-definition.js';
import { formatShape, shapesEqual } from '../dim.js';

export const deepnormResidual: OpDefinition = {
  name: 'deepnorm-residual',
  kind: 'composite',
  semantics:
    'out = residual · alpha + branch (DeepNorm: alpha multiplies the LayerNorm output that forms the residual, never the ' +
    'branch; alpha is the deepnormAlpha the model config declares: √(2·layers) for GLM-130B, √(2·28) for ChatGLM-6B whatever its layer count). Reference in float64, one rounding.',
  inputs: [
    { name: 'residual', dtypes: FLOATS, doc: 'any shape' },
    { name: 'branch', dtypes: FLOATS, doc: 'same shape and dtype' },
  ],
  outputs: ['out'],
  attrs: { alpha: { type: 'float', doc: 'the residual multiplier' } },
  inferTypes([r, br]) {
    if (r!.dtype !== br!.dtype || !shapesEqual(r!.shape, br!.shape)) {
      typeFail(`residual ${r!.dtype}${formatShape(r!.shape)} and branch ${br!.dtype}${formatShape(br!.shape)} differ`);
    }
    return [r!];
  },
  decompose(b, [r, br], attrs) {
    const scaled = b.op1('scale', [r!], { factor: attrs['alpha'] as number }, 'scale');
    return [b.op1('add', [scaled, br!], {}, 'add')];
  },
};
