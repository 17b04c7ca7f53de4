import type { RefKernel } from './kernel.js';
import { rounded } from '../ref-tensor.js';
import { validLength } from './valid-length.js';

/** May query i (absolute position p) attend key j? The GLM rule: the prefix is bidirectional, the rest causal. */
export function glmMayAttend(j: number, p: number, contextLength: number): boolean {
  return j < contextLength || j <= p;
}

export const glmMaskFill: RefKernel = ([scores, contextLengths, length], attrs) => {
  const value = attrs['value'] as number;
  const [batch, heads, q, k] = scores!.shape as [number, number, number, number];
  const valid = validLength(length, q, k);
  const out = Float64Array.from(scores!.values);
  for (let b = 0; b < batch; b++) {
    const ctx = contextLengths!.values[b]!;
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < q; i++) {
        const row = ((b * heads + h) * q + i) * k;
        const p = valid - q + i;
        for (let j = 0; j < k; j++) if (j >= valid || !glmMayAttend(j, p, ctx)) out[row + j] = value;
      }
    }
  }
  return [rounded(scores!.dtype, scores!.shape, out)];
};
