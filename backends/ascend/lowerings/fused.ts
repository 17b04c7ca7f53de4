/**
 * The fused ops of A2/A3 (not on the original 910):
 *  - GeGLU: GeGluV3(x, dim −1, approximate 0 = erf, activateLeft false): GLM activates the SECOND
 *    half and multiplies it by the first; bias-geglu adds the up-projection's bias first.
 *  - attention with the GLM mask. Prefill on A2 (no cache length): FlashAttentionScore with
 *    sparseMode 5 — rightDownCausal plus the first prefix[b] columns visible to every row, which is
 *    GLM's prefix-bidirectional mask with prefix = contextLengths; its prefix IntArray must be known
 *    on the host when the executor is made, so a host step reads contextLengths back from the device
 *    (a synchronisation and a B-int32 copy) and makes the executor again only when they change; the
 *    kernel also takes the same pattern as an explicit mask (built by the glmMask host step). Decode
 *    and chunks over a fixed-capacity cache (and prefill on A3, which has no FlashAttentionScore):
 *    FusedInferAttentionScoreV2 with sparseMode 0 and the full mask over the cache's whole capacity,
 *    so its shapes — and its executor — stay the same from token to token.
 *  - grouped-query-attention, the same calls with k and v of KV heads: FlashAttentionScore reads the
 *    key heads N2 from the BNSD key (N1 a multiple of N2), FusedInferAttentionScoreV2 is told
 *    numKeyValueHeads; query head h attends with KV head ⌊h / (N1 / N2)⌋, no repeat.
 */
import { countOf } from '../../program/locations.js';
import { ACL_DTYPE } from '../launch-codes.js';
import { emitHostStep, emitOp, scalar, view } from './aclnn-record.js';
import type { AscendLowering, AscendStep } from './ascend-lowering.js';
import { emitGlmMask } from './glm-mask.js';

/** pre/nextTokens wide enough that the band never masks anything. */
const NO_BAND = 2147483647;

function emitGeglu(ctx: AscendStep, withBias: boolean): void {
  const out = ctx.output(0);
  if (countOf(out.shape) === 0) return;
  let x = ctx.input(0)!;
  if (withBias) {
    const biased = ctx.temp(x.dtype, x.shape);
    emitOp(ctx, 'Add', [view(x), view(ctx.input(1)!), scalar(1, ACL_DTYPE.f32), view(biased)]);
    x = biased;
  }
  const gelu = ctx.temp(out.dtype, out.shape);
  const approximate = ctx.options.erfGelu === 'Gelu' ? 1 : 0;
  emitOp(ctx, 'GeGluV3', [view(x), -1, approximate, false, view(out), view(gelu)]);
}

export const geglu: AscendLowering = (ctx) => emitGeglu(ctx, false);
export const biasGeglu: AscendLowering = (ctx) => emitGeglu(ctx, true);

/** attention and grouped-query-attention (k and v with heads / g heads). */
export const attention: AscendLowering = (ctx) => {
  const q = ctx.input(0)!;
  const k = ctx.input(1)!;
  const v = ctx.input(2)!;
  const contextLengths = ctx.input(3)!;
  const length = ctx.input(4);
  const out = ctx.output(0);
  if (countOf(out.shape) === 0) return;
  const [batch, heads, queries, dim] = q.shape as [number, number, number, number];
  const keys = k.shape[2]!;
  const scale = 1 / Math.sqrt(dim);
  const mask = emitGlmMask(ctx, contextLengths, length, queries, keys);
  if (!length && ctx.options.generation === 'a2') {
    const stats = ctx.temp('f32', [batch, heads, queries, 8]);
    const sums = ctx.temp('f32', [batch, heads, queries, 8]);
    emitHostStep(ctx, 'flashAttentionGlm', [view(contextLengths)], [
      view(q), view(k), view(v), null, null, null, mask, null, scale, 1, NO_BAND, NO_BAND, heads, 'BNSD', 0, 5,
      view(stats), view(sums), null, view(out),
    ]);
    return;
  }
  emitOp(ctx, 'FusedInferAttentionScoreV2', [
    view(q), [view(k)], [view(v)], null, mask, null, null,
    null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
    heads, scale, NO_BAND, NO_BAND, 'BNSD', k.shape[1]!, 0, 0, 0, 0, false, 0, 0, view(out), null,
  ]);
};
