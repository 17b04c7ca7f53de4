import { stringAttr, typeFail, type OpDefinition } from '../op-definition.js';
import type { DecompositionBuilder, Value } from '../decomposition-builder.js';
import { attention } from './attention.js';
import { requireDim, requireRank } from './shape-rules.js';

/**
 * [B, KV, K, d] → [B, H, K, d] with query head h reading KV head ⌊h / g⌋, g = H / KV: torch.repeat_interleave
 * on the head axis (HF transformers `repeat_kv`; ChatGLM2's `unsqueeze(-2).expand(...)` on multi_query_group_num).
 * Built from split and concat on the head axis only, so no symbolic dim is reshaped.
 */
export function repeatKvHeads(b: DecompositionBuilder, t: Value, heads: number, name: string): Value {
  const kvHeads = t.type.shape[1] as number;
  if (kvHeads === heads) return t;
  const group = heads / kvHeads;
  const parts = kvHeads === 1 ? [t] : b.op('split', [t], { axis: 1, sizes: Array<number>(kvHeads).fill(1) }, `${name}_heads`);
  const repeated = Array.from({ length: heads }, (_, h) => parts[Math.floor(h / group)]!);
  return b.op1('concat', repeated, { axis: 1 }, `${name}_repeated`);
}

export const groupedQueryAttention: OpDefinition = {
  name: 'grouped-query-attention',
  kind: 'composite',
  semantics:
    'The attention op with fewer key/value heads than query heads (grouped-query attention; multi-query with one KV head): ' +
    'k and v hold KV heads, KV divides the H query heads, and query head h attends with KV head ⌊h / g⌋, g = H / KV (as ' +
    'torch.repeat_interleave — ChatGLM2/3\'s multi_query_group_num, GLM-4\'s num_key_value_heads). Masks, length and ' +
    'layerIndex are those of attention; an explicit mask\'s head dim is 1 or H. A KV cache holds only the KV heads. ' +
    'Reference in float64, one rounding. Decomposition: each KV head repeated g times (split + concat on the head axis), then ' +
    'attention — which a backend runs with its own attention kernel or decomposes further. The GLM mask with contextLengths 0 ' +
    'is the causal mask of ChatGLM2/3 and GLM-4 (a [gMASK]<sop> prefix under a causal mask needs no other mask kind).',
  inputs: [
    { name: 'q', dtypes: ['f32', 'f16', 'bf16'], doc: '[B, H, Q, d]' },
    { name: 'k', dtypes: ['f32', 'f16', 'bf16'], doc: '[B, KV, K, d], KV divides H' },
    { name: 'v', dtypes: ['f32', 'f16', 'bf16'], doc: '[B, KV, K, d]' },
    { name: 'mask', dtypes: ['i32', 'i8'], doc: 'glm: contextLengths i32 [B]; explicit: i8 [1|B, 1|H, Q, K]' },
    { name: 'length', dtypes: ['i32'], optional: true, doc: '[1]: valid key positions (default K)' },
  ],
  outputs: ['out'],
  attrs: attention.attrs,
  inferTypes([q, k, v, mask, length], attrs) {
    requireRank(q!, 4, 'grouped-query-attention q');
    requireRank(k!, 4, 'grouped-query-attention k');
    const heads = q!.shape[1]!;
    const kvHeads = k!.shape[1]!;
    if (typeof heads !== 'number' || typeof kvHeads !== 'number') typeFail('grouped-query-attention needs static head counts');
    if (kvHeads < 1 || heads % kvHeads !== 0) typeFail(`grouped-query-attention: ${kvHeads} KV heads do not divide ${heads} query heads`);
    requireDim(v!.shape[1]!, kvHeads, 'grouped-query-attention v heads');
    // The rest of the rules are attention's, on the heads every query head sees.
    const widened = (t: typeof k) => ({ dtype: t!.dtype, shape: [t!.shape[0]!, heads, ...t!.shape.slice(2)] });
    return attention.inferTypes([q!, widened(k), v!.shape.length === 4 ? widened(v) : v!, mask!, length ?? null], attrs);
  },
  decompose(b, [q, k, v, mask, length], attrs) {
    const heads = q!.type.shape[1] as number;
    const inputs = [q!, repeatKvHeads(b, k!, heads, 'k'), repeatKvHeads(b, v!, heads, 'v'), mask!, length ?? null];
    return [b.op1('attention', inputs, { mask: stringAttr(attrs, 'mask'), layerIndex: attrs['layerIndex']! }, 'attention')];
  },
};
