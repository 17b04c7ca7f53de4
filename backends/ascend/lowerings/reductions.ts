/**
 * Row reductions: LayerNorm and Softmax as single aclnn calls (fp32 inside), and on-device sampling:
 * Topk leaves only k candidates per row to cross to the host (values cast to f32, its int64 indices
 * to i32), and log-sum-exp from the ops both SoCs have — m − max(LogSoftmax(x)) with m = max(x),
 * since LogSoftmax(x) = x − lse(x) and its largest element sits where x is largest (the original
 * 910 has no Exp or Log).
 */
import { countOf, normalizeAxis, type Loc } from '../../program/locations.js';
import { ACL_BOOL, ACL_DTYPE, ACL_INT64 } from '../launch-codes.js';
import { emitOp, scalar, view, viewAs } from './aclnn-record.js';
import type { AscendLowering, AscendStep } from './ascend-lowering.js';

export const layerNorm: AscendLowering = (ctx) => {
  const out = ctx.output(0);
  const h = out.shape[out.shape.length - 1]!;
  const eps = (ctx.node.attrs['eps'] as number | undefined) ?? 1e-5;
  if (countOf(out.shape) === 0) return;
  emitOp(ctx, 'LayerNorm', [view(ctx.input(0)!), [h], view(ctx.input(1)!), view(ctx.input(2)!), eps, view(out), null, null]);
};

export const softmax: AscendLowering = (ctx) => {
  const out = ctx.output(0);
  const axis = normalizeAxis((ctx.node.attrs['axis'] as number | undefined) ?? -1, out.shape.length);
  if (countOf(out.shape) > 0) emitOp(ctx, 'Softmax', [view(ctx.input(0)!), axis, view(out)]);
};

export const topK: AscendLowering = (ctx) => {
  const x = ctx.input(0)!;
  const values = ctx.output(0);
  const indices = ctx.output(1);
  const k = ctx.node.attrs['k'] as number;
  if (countOf(values.shape) === 0) return;
  const rank = x.shape.length;
  const picked = x.dtype === 'f32' ? values : ctx.temp(x.dtype, values.shape);
  const wide = ctx.scratch(countOf(values.shape) * 8);
  const wideIndices = viewAs(wide, ACL_INT64, values.shape, indices.strides);
  emitOp(ctx, 'Topk', [view(x), k, rank - 1, true, true, view(picked), wideIndices]);
  if (picked !== values) emitOp(ctx, 'Cast', [view(picked), ACL_DTYPE.f32, view(values)]);
  emitOp(ctx, 'Cast', [wideIndices, ACL_DTYPE.i32, view(indices)]);
};

/** x as f32 (a cast into scratch unless it is f32 already). */
function asF32(ctx: AscendStep, x: Loc): Loc {
  if (x.dtype === 'f32') return x;
  const wide = ctx.temp('f32', x.shape);
  emitOp(ctx, 'Cast', [view(x), ACL_DTYPE.f32, view(wide)]);
  return wide;
}

export const logSumExp: AscendLowering = (ctx) => {
  const out = ctx.output(0);
  const x = ctx.input(0)!;
  if (countOf(out.shape) === 0) return;
  const wide = asF32(ctx, x);
  const rowShape = out.shape;
  const max = ctx.temp('f32', rowShape);
  emitOp(ctx, 'Amax', [view(wide), [-1], false, view(max)]);
  const logSoftmax = ctx.temp('f32', wide.shape);
  emitOp(ctx, 'LogSoftmax', [view(wide), -1, view(logSoftmax)]);
  const shift = ctx.temp('f32', rowShape);
  emitOp(ctx, 'Amax', [view(logSoftmax), [-1], false, view(shift)]);
  // A row whose maximum is ±inf (or NaN) has the maximum as its answer; its LogSoftmax is NaN, so
  // the shift is zeroed there: m · 0 is NaN exactly for those rows, and NaN casts to bool true.
  const nonFinite = ctx.temp('f32', rowShape);
  emitOp(ctx, 'Muls', [view(max), scalar(0, ACL_DTYPE.f32), view(nonFinite)]);
  const fill = ctx.temp('i8', rowShape);
  const fillMask = viewAs(fill, ACL_BOOL, rowShape, fill.strides);
  emitOp(ctx, 'Cast', [view(nonFinite), ACL_BOOL, fillMask]);
  emitOp(ctx, 'InplaceMaskedFillScalar', [view(shift), fillMask, scalar(0, ACL_DTYPE.f32)]);
  emitOp(ctx, 'Add', [view(max), view(shift), scalar(-1, ACL_DTYPE.f32), view(out)]);
};
