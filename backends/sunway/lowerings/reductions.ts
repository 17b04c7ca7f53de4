/** Row reductions over contiguous data (kernels/rows.c, kernels/top_k.c): fp32 accumulation, one row per CPE at a time. */
import { dtypeCode, OP } from '../launch-codes.js';
import { countOf, normalizeAxis, ptrOf } from '../../program/locations.js';
import type { SunwayLowering } from './sunway-lowering.js';

/** Rows and row length of x [..., N]. */
function rowsOf(shape: readonly number[]): { rows: number; n: number } {
  return { rows: countOf(shape.slice(0, -1)), n: shape[shape.length - 1]! };
}

export const layerNorm: SunwayLowering = (ctx) => {
  const x = ctx.contiguous(ctx.input(0)!);
  const w = ctx.contiguous(ctx.input(1)!);
  const b = ctx.contiguous(ctx.input(2)!);
  const out = ctx.output(0);
  const { rows, n } = rowsOf(out.shape);
  const eps = (ctx.node.attrs['eps'] as number | undefined) ?? 1e-5;
  if (rows * n > 0) ctx.emit(OP.layerNorm, [dtypeCode(out.dtype), ptrOf(out), ptrOf(x), ptrOf(w), ptrOf(b), rows, n, eps]);
};

export const softmax: SunwayLowering = (ctx) => {
  const x = ctx.contiguous(ctx.input(0)!);
  const out = ctx.output(0);
  const axis = normalizeAxis((ctx.node.attrs['axis'] as number | undefined) ?? -1, out.shape.length);
  const length = out.shape[axis]!;
  const inner = countOf(out.shape.slice(axis + 1));
  const outer = countOf(out.shape.slice(0, axis));
  if (outer * length * inner > 0) ctx.emit(OP.softmax, [dtypeCode(out.dtype), ptrOf(out), ptrOf(x), outer, length, inner]);
};

export const logSumExp: SunwayLowering = (ctx) => {
  const x = ctx.contiguous(ctx.input(0)!);
  const out = ctx.output(0);
  const { rows, n } = rowsOf(x.shape);
  if (rows > 0) ctx.emit(OP.logSumExp, [dtypeCode(x.dtype), ptrOf(out), ptrOf(x), rows, n]);
};

/** Each CPE keeps the k best of its share of a row; the CPEs' candidates are merged (k per CPE, 8 bytes each) in scratch. */
export const topK: SunwayLowering = (ctx) => {
  const x = ctx.contiguous(ctx.input(0)!);
  const values = ctx.output(0);
  const indices = ctx.output(1);
  const k = ctx.node.attrs['k'] as number;
  const { rows, n } = rowsOf(x.shape);
  if (rows > 0) ctx.emit(OP.topK, [dtypeCode(x.dtype), ptrOf(values), ptrOf(indices), ptrOf(x), rows, n, k]);
};
