import type { RefKernel } from './kernel.js';
import type { RefTensor } from '../ref-tensor.js';
import { attention } from './attention.js';

/** [B, KV, K, d] → [B, H, K, d], query head h reading KV head ⌊h / g⌋ (repeat_interleave); copies are exact. */
export function repeatKvHeads(t: RefTensor, heads: number): RefTensor {
  const [batch, kvHeads, keys, d] = t.shape as [number, number, number, number];
  const group = heads / kvHeads;
  const block = keys * d;
  const values = new Float64Array(batch * heads * block);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      const from = (b * kvHeads + Math.floor(h / group)) * block;
      values.set(t.values.subarray(from, from + block), (b * heads + h) * block);
    }
  }
  return { dtype: t.dtype, shape: [batch, heads, keys, d], values };
}

/** Attention of every query head with its group's KV head: the KV heads repeated exactly, then the attention reference. */
export const groupedQueryAttention: RefKernel = ([q, k, v, mask, length], attrs, context) => {
  const heads = q!.shape[1]!;
  return attention([q, repeatKvHeads(k!, heads), repeatKvHeads(v!, heads), mask ?? null, length ?? null], attrs, context);
};
