import { FLOATS, typeFail, type OpDefinition } from '../op-definition.js';
import { formatShape } from '../dim.js';
import { requireDim, requireRank } from './shape-rules.js';

export const linear: OpDefinition = {
  name: 'linear',
  kind: 'composite',
  semantics:
    'y = x · Wᵀ + bias with W stored [out, in] (PyTorch layout). With an i8/i4 weight, W = q · scale[row] (weight-only ' +
    'quantization of the release: one scale per output row) and activations stay in x\'s dtype. Accumulation in fp32 ' +
    '(reference: float64, one rounding).',
  inputs: [
    { name: 'x', dtypes: FLOATS, doc: '[..., in]' },
    { name: 'weight', dtypes: ['f32', 'f16', 'bf16', 'i8', 'i4'], doc: '[out, in]' },
    { name: 'bias', dtypes: FLOATS, optional: true, doc: '[out]' },
    { name: 'scale', dtypes: FLOATS, optional: true, doc: '[out]; required with an integer weight' },
  ],
  outputs: ['y'],
  attrs: {},
  inferTypes([x, w, bias, scale]) {
    requireRank(w!, 2, 'linear weight');
    const [out, inner] = w!.shape;
    requireDim(inner!, x!.shape[x!.shape.length - 1]!, `linear input features of x ${formatShape(x!.shape)} and weight ${formatShape(w!.shape)}`);
    const quantized = w!.dtype === 'i8' || w!.dtype === 'i4';
    if (quantized !== (scale !== null)) typeFail(quantized ? 'an integer weight needs a scale' : 'a float weight takes no scale');
    if (!quantized && w!.dtype !== x!.dtype) typeFail(`weight dtype ${w!.dtype} differs from x dtype ${x!.dtype}`);
    for (const [t, what] of [[bias, 'bias'], [scale, 'scale']] as const) {
      if (!t) continue;
      requireRank(t, 1, `linear ${what}`);
      requireDim(t.shape[0]!, out!, `linear ${what} length`);
    }
    if (bias && bias.dtype !== x!.dtype) typeFail(`bias dtype ${bias.dtype} differs from x dtype ${x!.dtype}`);
    return [{ dtype: x!.dtype, shape: [...x!.shape.slice(0, -1), out!] }];
  },
  decompose(b, [x, w, bias, scale]) {
    const weight = scale ? b.op1('dequantize', [w!, scale], { to: x!.type.dtype }, 'dequantize') : w!;
    const product = b.op1('matmul', [x!, weight], { transposeB: true }, 'matmul');
    return [bias ? b.op1('add', [product, bias], {}, 'bias') : product];
  },
};
