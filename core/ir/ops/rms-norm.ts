import { FLOATS, floatAttr, typeFail, type OpDefinition } from '../op-definition.js';
import { requireDim, requireRank, sameDtype } from './shape-rules.js';

/**
 * RMSNorm of ChatGLM2/3 and GLM-4 (THUDM chatglm2-6b modeling_chatglm.py `RMSNorm`; HF transformers
 * modeling_glm.py `GlmRMSNorm`): no mean subtraction and no bias.
 */
export const rmsNorm: OpDefinition = {
  name: 'rms-norm',
  kind: 'composite',
  semantics:
    'Over the last dim of size H: out = x / sqrt(mean(x²) + eps) · weight (no mean subtracted, no bias). Reference in float64, ' +
    'one rounding to x\'s dtype. Decomposition: layer-norm of [x, −x] (concatenated on the last axis, 2H wide) with gain ' +
    '[weight, weight] and zero bias (weight · 0), cut to the first H: the row [x, −x] has mean 0 and variance mean(x²), so ' +
    'layer-norm computes exactly x / sqrt(mean(x²) + eps) · weight there; every backend runs it with its layer-norm kernel ' +
    '(fp32 accumulation). A non-finite weight element makes that element NaN in the decomposition (its zero bias is weight · 0).',
  inputs: [
    { name: 'x', dtypes: FLOATS, doc: '[..., H]' },
    { name: 'weight', dtypes: FLOATS, doc: '[H]' },
  ],
  outputs: ['out'],
  attrs: { eps: { type: 'float', default: 1e-5, doc: 'added to mean(x²) (ChatGLM2/3: 1e-5; GLM-4: rms_norm_eps of its config)' } },
  inferTypes([x, w]) {
    const h = x!.shape[x!.shape.length - 1];
    if (typeof h !== 'number') typeFail(`rms-norm needs a static last dim, got ${h ?? 'a scalar'}`);
    requireRank(w!, 1, 'rms-norm weight');
    sameDtype(w!, x!, 'rms-norm weight');
    requireDim(w!.shape[0]!, h, 'rms-norm weight size');
    return [x!];
  },
  decompose(b, [x, weight], attrs) {
    const h = x!.type.shape.length - 1;
    const mirrored = b.op1('concat', [x!, b.op1('scale', [x!], { factor: -1 }, 'negate')], { axis: h }, 'mirror');
    const gain = b.op1('concat', [weight!, weight!], { axis: 0 }, 'gain');
    const zero = b.op1('scale', [gain], { factor: 0 }, 'zero_bias');
    const normed = b.op1('layer-norm', [mirrored, gain, zero], { eps: floatAttr(attrs, 'eps') }, 'layer_norm');
    const width = x!.type.shape[h] as number;
    return [b.op1('slice', [normed], { axis: h, start: 0, end: width }, 'first_half')];
  },
};
