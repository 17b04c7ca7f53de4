/** LayerNorm and softmax over contiguous data (fp32 accumulation in the kernels). */
import { dtypeCode, OP } from '../launch-codes.js';
import { countOf, normalizeAxis, ptrOf, rowsOf } from '../../program/locations.js';
import type { SimtLowering } from './simt-lowering.js';

export const layerNorm: SimtLowering = (ctx) => {
  const x = ctx.contiguous(ctx.input(0)!);
  const w = ctx.contiguous(ctx.input(1)!);
  const b = ctx.contiguous(ctx.input(2)!);
  const out = ctx.output(0);
  const { rows, width: h } = rowsOf(out.shape);
  const eps = (ctx.node.attrs['eps'] as number | undefined) ?? 1e-5;
  if (rows * h > 0) ctx.emit(OP.layerNorm, [dtypeCode(out.dtype), ptrOf(out), ptrOf(x), ptrOf(w), ptrOf(b), rows, h, eps]);
};

export const softmax: SimtLowering = (ctx) => {
  const x = ctx.contiguous(ctx.input(0)!);
  const out = ctx.output(0);
  const axis = normalizeAxis((ctx.node.attrs['axis'] as number | undefined) ?? -1, out.shape.length);
  const length = out.shape[axis]!;
  const inner = countOf(out.shape.slice(axis + 1));
  const outer = countOf(out.shape.slice(0, axis));
  if (outer * length * inner > 0) ctx.emit(OP.softmax, [dtypeCode(out.dtype), ptrOf(out), ptrOf(x), outer, length, inner]);
};
