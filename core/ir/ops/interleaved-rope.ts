import { floatAttr, intAttr, typeFail, type OpDefinition } from '../op-definition.js';
import type { DecompositionBuilder, Value } from '../decomposition-builder.js';
import { requireDim, requireRank } from './shape-rules.js';

/** [..., r] with pairs (2i, 2i+1) ↔ [..., r] with pairs (i, i + r/2): a transpose of the [r/2, 2] grid (or of [2, r/2] back). */
function regroup(b: DecompositionBuilder, x: Value, grid: [number, number], name: string): Value {
  const lead = x.type.shape.slice(0, -1);
  const cells = b.op1('reshape', [x], { shape: [...lead, ...grid] }, `${name}_grid`);
  const swapped = b.op1('transpose', [cells], { perm: [0, 1, 2, 4, 3] }, `${name}_swap`);
  return b.op1('reshape', [swapped], { shape: [...lead, grid[0] * grid[1]] }, name);
}

/**
 * The rotary of ChatGLM2/3 and GLM-4: on the first rotaryDim values of each head only, pairs of
 * neighbours (2i, 2i+1). Published equations: THUDM chatglm2-6b modeling_chatglm.py
 * `apply_rotary_pos_emb` (rot_dim = rope_cache.shape[-2]·2 = head dim / 2; `xshaped = x.reshape(..., rot_dim // 2, 2)`;
 * out = [x₀·cos − x₁·sin, x₁·cos + x₀·sin]; x_pass appended) and HF transformers modeling_glm.py `rotate_half`
 * (`x[..., 0::2]`, `x[..., 1::2]`, stacked and flattened) with `partial_rotary_factor` 0.5.
 */
export const interleavedRope: OpDefinition = {
  name: 'interleaved-rope',
  kind: 'composite',
  semantics:
    'Rotary position embedding with interleaved pairs on the first rotaryDim = r values of each head (ChatGLM2/3, GLM-4: r = d/2, ' +
    'the other half passes unchanged). For i < r/2: θᵢ = position · base^(−2i/r); out[2i] = x[2i]·cos θᵢ − x[2i+1]·sin θᵢ, ' +
    'out[2i+1] = x[2i+1]·cos θᵢ + x[2i]·sin θᵢ; out[j] = x[j] for j ≥ r. Reference in float64, one rounding. Decomposition: ' +
    'the rotated part regrouped from pairs (2i, 2i+1) to pairs (i, i + r/2) (reshape [.., r/2, 2], transpose, reshape), ' +
    'the 1-D rope of width r (rotate-half pairing, same θᵢ), regrouped back and concatenated with the passed part.',
  inputs: [
    { name: 'x', dtypes: ['f32', 'f16', 'bf16'], doc: '[B, heads, S, d]' },
    { name: 'positions', dtypes: ['i32'], doc: '[B, S]' },
  ],
  outputs: ['out'],
  attrs: {
    rotaryDim: { type: 'int', doc: 'r: the rotated leading values of each head (even, 2 ≤ r ≤ d); ChatGLM2/3 and GLM-4: d/2' },
    base: { type: 'float', default: 10000, doc: 'frequency base (ChatGLM3-32k / GLM-4: 10000 · rope_ratio)' },
  },
  inferTypes([x, pos], attrs) {
    requireRank(x!, 4, 'interleaved-rope x');
    requireRank(pos!, 2, 'interleaved-rope positions');
    requireDim(pos!.shape[0]!, x!.shape[0]!, 'interleaved-rope positions batch');
    requireDim(pos!.shape[1]!, x!.shape[2]!, 'interleaved-rope positions length');
    const d = x!.shape[3]!;
    const r = intAttr(attrs, 'rotaryDim');
    if (typeof d !== 'number') typeFail('interleaved-rope head dim must be static');
    if (!Number.isInteger(r) || r < 2 || r % 2 !== 0 || r > d) typeFail(`interleaved-rope rotaryDim must be even and within 2..${d}, got ${r}`);
    return [x!];
  },
  decompose(b, [x, positions], attrs) {
    const d = x!.type.shape[3] as number;
    const r = intAttr(attrs, 'rotaryDim');
    const [rot, pass] = r === d ? [x!, null] : b.op('split', [x!], { axis: -1, sizes: [r, d - r] }, 'parts');
    const planar = regroup(b, rot!, [r / 2, 2], 'to_rotate_half');
    const rotated = b.op1('rope', [planar, positions!, null], { mode: '1d', base: floatAttr(attrs, 'base') }, 'rope');
    const paired = regroup(b, rotated, [2, r / 2], 'to_pairs');
    return [pass ? b.op1('concat', [paired, pass], { axis: -1 }, 'join') : paired];
  },
};
