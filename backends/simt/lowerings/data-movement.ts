/**
 * reshape, transpose, split and slice are views: no kernel unless the
 * result must land somewhere else (a graph output) or a reshape meets non-contiguous data. concat
 * copies the parts its producers did not already write in place; gather is a copy with an index.
 */
import { normalizeAxis, ptrOf, withShape } from '../../program/locations.js';
import type { SimtLowering } from './simt-lowering.js';
import { emitCopy } from './copy.js';

// Views need no record of this family's: the program runtime's view lowerings serve every family.
export { reshapeView as reshape, transposeView as transpose, splitView as split, sliceView as slice } from '../../program/views.js';

export const concat: SimtLowering = (ctx) => {
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

export const gather: SimtLowering = (ctx) => {
  const table = ctx.input(0)!;
  const indices = ctx.contiguous(ctx.input(1)!);
  const out = ctx.output(0);
  const axis = normalizeAxis((ctx.node.attrs['axis'] as number | undefined) ?? 0, table.shape.length);
  const before = table.shape.slice(0, axis);
  const after = table.shape.slice(axis + 1);
  const count = indices.shape.reduce((p, d) => p * d, 1);
  // Iterate over [before..., count, after...]: the index dims of `out` are merged into one
  // (contiguous with each other unless out was placed, which the planner allows only for 1-D indices).
  const iterShape = [...before, count, ...after];
  const r = indices.shape.length;
  const outStrides = [...out.strides.slice(0, axis), r === 0 ? 0 : out.strides[axis + r - 1]!, ...out.strides.slice(axis + r)];
  const srcStrides = [...table.strides.slice(0, axis), table.strides[axis]!, ...table.strides.slice(axis + 1)];
  const dst = withShape(out, iterShape, outStrides);
  const src = withShape(table, iterShape, srcStrides);
  emitCopy(ctx, src, dst, { dim: axis, indices: ptrOf(indices), limit: table.shape[axis]! });
};
