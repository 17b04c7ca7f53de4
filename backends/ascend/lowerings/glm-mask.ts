/**
 * The GLM prefix-bidirectional mask: a host step builds it from contextLengths (and a cache's valid
 * length) read back from the device (launchers/glm-mask.ts), as bool [B, 1, Q, K], true = masked, in
 * scratch; glm-mask-fill then sets the masked scores to −10000 with InplaceMaskedFillScalar, and the
 * fused attention of A2/A3 reads it as its attenMask.
 */
import { countOf, type Loc } from '../../program/locations.js';
import { ACL_BOOL } from '../launch-codes.js';
import { emitHostStep, view, viewAs, type AclView } from './aclnn-record.js';
import type { AscendLowering, AscendStep } from './ascend-lowering.js';
import { fillWhere } from './elementwise.js';

/** The mask of `queries` × `keys` scores per row of contextLengths, as bool [B, 1, Q, K]. */
export function emitGlmMask(ctx: AscendStep, contextLengths: Loc, length: Loc | null, queries: number, keys: number): AclView {
  const batch = contextLengths.shape[0]!;
  const shape = [batch, 1, queries, keys];
  const bytes = ctx.temp('i8', shape);
  const mask = viewAs(bytes, ACL_BOOL, shape, bytes.strides);
  // The host step range-checks the length it reads: the run reads the flag.
  if (length) ctx.noteIndexCheck();
  emitHostStep(ctx, 'glmMask', [view(contextLengths), length ? view(length) : null, queries, keys, mask]);
  return mask;
}

export const glmMaskFill: AscendLowering = (ctx) => {
  const x = ctx.input(0)!;
  const out = ctx.output(0);
  const [, , queries, keys] = out.shape as [number, number, number, number];
  if (countOf(out.shape) === 0) return;
  const mask = emitGlmMask(ctx, ctx.input(1)!, ctx.input(2), queries, keys);
  fillWhere(ctx, x, out, mask, (ctx.node.attrs['value'] as number | undefined) ?? -10000);
};
