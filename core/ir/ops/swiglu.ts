import { FLOATS, typeFail, type OpDefinition } from '../op-definition.js';
import type { DecompositionBuilder, Value } from '../decomposition-builder.js';

/** sigmoid(a) = e^{a/2} / (e^{a/2} + e^{−a/2}) = softmax([a/2, −a/2])[0], over a new last axis of 2 (no constant needed). */
function sigmoid(b: DecompositionBuilder, a: Value): Value {
  const shape = a.type.shape;
  const column = [...shape, 1];
  const plus = b.op1('reshape', [b.op1('scale', [a], { factor: 0.5 }, 'half')], { shape: column }, 'half_column');
  const minus = b.op1('reshape', [b.op1('scale', [a], { factor: -0.5 }, 'minus_half')], { shape: column }, 'minus_half_column');
  const probs = b.op1('softmax', [b.op1('concat', [plus, minus], { axis: shape.length }, 'pair')], { axis: -1 }, 'softmax');
  const first = b.op1('slice', [probs], { axis: shape.length, start: 0, end: 1 }, 'first');
  return b.op1('reshape', [first], { shape: [...shape] }, 'sigmoid');
}

/**
 * SwiGLU of ChatGLM2/3 and GLM-4: THUDM chatglm2-6b `swiglu` (`x = torch.chunk(x, 2, dim=-1);
 * return F.silu(x[0]) * x[1]`) and HF transformers `GlmMLP` (`gate, up = chunk(2); up * silu(gate)`):
 * the activation is on the FIRST half — the opposite of geglu, whose GeLU is on the second.
 */
export const swiglu: OpDefinition = {
  name: 'swiglu',
  kind: 'composite',
  semantics:
    'Split the last dim into halves x₁ (first) and x₂ (second); out = silu(x₁) · x₂ with silu(a) = a · sigmoid(a) = a / (1 + e^−a). ' +
    'The FIRST half goes through silu (ChatGLM2/3, GLM-4). Reference in float64, one rounding. Decomposition (in fp32 for ' +
    'f16/bf16 data, rounded once at the end): sigmoid(a) = softmax([a/2, −a/2])[0] over a new axis of 2, then a · sigmoid(a) · x₂.',
  inputs: [{ name: 'x', dtypes: FLOATS, doc: '[..., 2F]: the fused gate/up projection (gate first)' }],
  outputs: ['out'],
  attrs: {},
  inferTypes([x]) {
    const last = x!.shape[x!.shape.length - 1]!;
    if (typeof last !== 'number' || last % 2 !== 0) typeFail(`swiglu needs an even static last dim, got ${last}`);
    return [{ dtype: x!.dtype, shape: [...x!.shape.slice(0, -1), last / 2] }];
  },
  decompose(b, [x]) {
    const dtype = x!.type.dtype;
    const f = (x!.type.shape[x!.type.shape.length - 1] as number) / 2;
    // fp32 intermediates: the product a·σ(a)·x₂ of half-precision data rounds once, as the reference does.
    const wide = dtype === 'f32' ? x! : b.op1('cast', [x!], { to: 'f32' }, 'to_f32');
    const [gate, up] = b.op('split', [wide], { axis: -1, sizes: [f, f] }, 'halves');
    const activated = b.scope('silu', () => b.op1('mul', [gate!, sigmoid(b, gate!)], {}, 'product'));
    const product = b.op1('mul', [activated, up!], {}, 'gated');
    return [dtype === 'f32' ? product : b.op1('cast', [product], { to: dtype }, 'to_storage')];
  },
};
