/**
 * reshape, transpose, split, slice and all-reduce (one rank) are views: a new shape, strides and
 * offset over the same storage, given to the next aclnn call as its aclTensor; no call is made
 * unless the result must land elsewhere (a graph output) or a reshape meets non-contiguous data.
 * concat copies its parts into their places; gather is GatherV2 (which range-checks the indices on
 * the device).
 */
import { GlmError } from '../../../core/backend-api/plugin-api.js';
import { countOf, normalizeAxis, withShape } from '../../program/locations.js';
import { ACL_DTYPE } from '../launch-codes.js';
import { emitHostStep, emitOp, view } from './aclnn-record.js';
import type { AscendLowering } from './ascend-lowering.js';
import { emitCopy } from './copy.js';

// Views need no record of this family's: the program runtime's view lowerings serve every family.
export { reshapeView as reshape, transposeView as transpose, splitView as split, sliceView as slice } from '../../program/views.js';

/** One rank: a view. A rank of openRanks(N): HcclAllReduce over its communicator (the allReduce host step). */
export const allReduce: AscendLowering = (ctx) => {
  const worldSize = (ctx.node.attrs['worldSize'] as number | undefined) ?? 1;
  const ranks = ctx.options.collectiveRanks;
  if (ranks === undefined) {
    if (worldSize !== 1) throw new GlmError('unsupported', `${ctx.backend}: an all-reduce over ${worldSize} ranks runs only on the ranks of openRanks(${worldSize}) (HCCL)`);
    ctx.alias(0, ctx.input(0)!);
    return;
  }
  if (worldSize !== ranks) throw new GlmError('unsupported', `${ctx.backend}: this rank's HCCL communicator has ${ranks} ranks, the all-reduce spans ${worldSize}`);
  emitHostStep(ctx, 'allReduce', [view(ctx.contiguous(ctx.input(0)!)), view(ctx.output(0))]);
};

export const concat: AscendLowering = (ctx) => {
  const out = ctx.output(0);
  const axis = normalizeAxis(ctx.node.attrs['axis'] as number, out.shape.length);
  let start = 0;
  ctx.node.inputs.forEach((_, k) => {
    const part = ctx.input(k)!;
    const length = part.shape[axis]!;
    if (!ctx.placedInput(k) && length > 0) emitCopy(ctx, part, withShape(out, part.shape, out.strides, out.elemOffset + start * out.strides[axis]!));
    start += length;
  });
};

export const gather: AscendLowering = (ctx) => {
  const table = ctx.input(0)!;
  const indices = ctx.input(1)!;
  const out = ctx.output(0);
  const axis = normalizeAxis((ctx.node.attrs['axis'] as number | undefined) ?? 0, table.shape.length);
  if (countOf(out.shape) === 0) return;
  if (table.dtype !== 'i8') {
    emitOp(ctx, 'GatherV2', [view(table), axis, view(indices), view(out)]);
    return;
  }
  // GatherV2 takes no INT8 table: gather it as INT32 (both casts are exact).
  const wide = ctx.temp('i32', table.shape);
  emitOp(ctx, 'Cast', [view(table), ACL_DTYPE.i32, view(wide)]);
  const picked = ctx.temp('i32', out.shape);
  emitOp(ctx, 'GatherV2', [view(wide), axis, view(indices), view(picked)]);
  emitOp(ctx, 'Cast', [view(picked), ACL_DTYPE.i8, view(out)]);
};
