/**
 * reshape, transpose, split, slice and all-reduce (one rank) are views: no kernel unless the result
 * must land somewhere else (a graph output) or a reshape meets non-contiguous data. concat copies the
 * parts its producers did not already write in place; gather is a copy with an index.
 */
import { GlmError } from '../../../core/backend-api/plugin-api.js';
import { normalizeAxis, ptrOf, withShape } from '../../program/locations.js';
import type { SunwayLowering } from './sunway-lowering.js';
import { emitCopy } from './copy.js';

// Views need no record of this family's: the program runtime's view lowerings serve every family.
export { reshapeView as reshape, transposeView as transpose, splitView as split, sliceView as slice } from '../../program/views.js';

export const allReduce: SunwayLowering = (ctx) => {
  const worldSize = (ctx.node.attrs['worldSize'] as number | undefined) ?? 1;
  if (worldSize !== 1) throw new GlmError('unsupported', `${ctx.backend}: all-reduce over several ranks needs MPI across nodes, not implemented`);
  ctx.alias(0, ctx.input(0)!);
};

export const concat: SunwayLowering = (ctx) => {
  const out = ctx.output(0);
  const axis = normalizeAxis(ctx.node.attrs['axis'] as number, out.shape.length);
  let start = 0;
  ctx.node.inputs.forEach((_, k) => {
    const part = ctx.input(k)!;
    const length = part.shape[axis]!;
    if (!ctx.placedInput(k) && length > 0) {
      const target = withShape(out, part.shape, out.strides, out.elemOffset + start * out.strides[axis]!);
      emitCopy(ctx, part, target);
    }
    start += length;
  });
};

export const gather: SunwayLowering = (ctx) => {
  const table = ctx.input(0)!;
  const indices = ctx.contiguous(ctx.input(1)!);
  const out = ctx.output(0);
  const axis = normalizeAxis((ctx.node.attrs['axis'] as number | undefined) ?? 0, table.shape.length);
  const before = table.shape.slice(0, axis);
  const after = table.shape.slice(axis + 1);
  const count = indices.shape.reduce((p, d) => p * d, 1);
  // Iterate over [before..., count, after...]: the index dims of `out` merge into one (contiguous with
  // each other unless out was placed, which the target allows only for 1-D indices).
  const r = indices.shape.length;
  const outStrides = [...out.strides.slice(0, axis), r === 0 ? 0 : out.strides[axis + r - 1]!, ...out.strides.slice(axis + r)];
  const iterShape = [...before, count, ...after];
  const dst = withShape(out, iterShape, outStrides);
  const src = withShape(table, iterShape, table.strides);
  emitCopy(ctx, src, dst, { dim: axis, indices: ptrOf(indices), limit: table.shape[axis]! });
};
