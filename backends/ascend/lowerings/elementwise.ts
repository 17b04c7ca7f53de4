/**
 * Element-wise ops on the vector unit: each an aclnn call over strided (and broadcast) views, fp32
 * inside the op and one rounding to the output dtype. GELU is the erf form, GeluV2(x, 0); aclnnGelu
 * is the tanh form (only GLM_ASCEND_ERF_GELU=Gelu, a test-only mutation, maps erf to it).
 */
import { countOf, type Loc } from '../../program/locations.js';
import { ACL_BOOL, ACL_DTYPE } from '../launch-codes.js';
import { emitOp, scalar, view, viewAs, type AclView } from './aclnn-record.js';
import type { AscendLowering, AscendStep } from './ascend-lowering.js';
import { emitCopy } from './copy.js';

/** A scalar of value 1 in the arithmetic of `loc`'s dtype (Add's alpha). */
function one(loc: Loc) {
  return scalar(1, loc.dtype === 'i32' ? ACL_DTYPE.i32 : ACL_DTYPE.f32);
}

export const add: AscendLowering = (ctx) => {
  const out = ctx.output(0);
  if (countOf(out.shape) > 0) emitOp(ctx, 'Add', [view(ctx.input(0)!), view(ctx.input(1)!), one(out), view(out)]);
};

export const mul: AscendLowering = (ctx) => {
  const out = ctx.output(0);
  if (countOf(out.shape) > 0) emitOp(ctx, 'Mul', [view(ctx.input(0)!), view(ctx.input(1)!), view(out)]);
};

export const scale: AscendLowering = (ctx) => {
  const out = ctx.output(0);
  const factor = ctx.node.attrs['factor'] as number;
  if (countOf(out.shape) > 0) emitOp(ctx, 'Muls', [view(ctx.input(0)!), scalar(factor, ACL_DTYPE.f32), view(out)]);
};

export const cast: AscendLowering = (ctx) => {
  const out = ctx.output(0);
  if (countOf(out.shape) > 0) emitOp(ctx, 'Cast', [view(ctx.input(0)!), ACL_DTYPE[out.dtype], view(out)]);
};

export const gelu: AscendLowering = (ctx) => {
  const x = view(ctx.input(0)!);
  const out = ctx.output(0);
  if (countOf(out.shape) === 0) return;
  const tanh = ctx.node.attrs['approximate'] === 'tanh';
  if (!tanh && ctx.options.erfGelu === 'Gelu') emitOp(ctx, 'Gelu', [x, view(out)]);
  else emitOp(ctx, 'GeluV2', [x, tanh ? 1 : 0, view(out)]);
};

export const deepnormResidual: AscendLowering = (ctx) => {
  const out = ctx.output(0);
  const alpha = ctx.node.attrs['alpha'] as number;
  // branch + α·residual in one call (Add's alpha scales its second operand).
  if (countOf(out.shape) > 0) emitOp(ctx, 'Add', [view(ctx.input(1)!), view(ctx.input(0)!), scalar(alpha, ACL_DTYPE.f32), view(out)]);
};

/** A bool mask that is true where `keep` (i8, nonzero = keep) is zero: the fill mask of InplaceMaskedFillScalar. */
function inverseMask(ctx: AscendStep, keep: Loc): AclView {
  const shape = keep.shape;
  const kept = ctx.temp('i8', shape);
  const keptBool = viewAs(kept, ACL_BOOL, shape, kept.strides);
  emitOp(ctx, 'Cast', [view(keep), ACL_BOOL, keptBool]);
  const asFloat = ctx.temp('f32', shape);
  emitOp(ctx, 'Cast', [keptBool, ACL_DTYPE.f32, view(asFloat)]);
  // keep − 1 is −1 (fill) or 0 (keep); its bool is the fill mask.
  emitOp(ctx, 'Adds', [view(asFloat), scalar(-1, ACL_DTYPE.f32), scalar(1, ACL_DTYPE.f32), view(asFloat)]);
  const fill = ctx.temp('i8', shape);
  const fillBool = viewAs(fill, ACL_BOOL, shape, fill.strides);
  emitOp(ctx, 'Cast', [view(asFloat), ACL_BOOL, fillBool]);
  return fillBool;
}

/** out = x, then `value` where `fill` is true. */
export function fillWhere(ctx: AscendStep, x: Loc, out: Loc, fill: AclView, value: number): void {
  emitCopy(ctx, x, out);
  emitOp(ctx, 'InplaceMaskedFillScalar', [view(out), fill, scalar(value, ACL_DTYPE.f32)]);
}

export const maskedFill: AscendLowering = (ctx) => {
  const x = ctx.input(0)!;
  const out = ctx.output(0);
  if (countOf(out.shape) === 0) return;
  fillWhere(ctx, x, out, inverseMask(ctx, ctx.input(1)!), ctx.node.attrs['value'] as number);
};
