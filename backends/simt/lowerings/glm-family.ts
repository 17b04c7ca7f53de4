/**
 * The pre-norm GLM family's ops (ChatGLM2/3, GLM-4) on their own kernels: RMSNorm (one pass over a row,
 * where the decomposition normalises the row mirrored to twice its width) and SwiGLU (one read of each
 * half, where the decomposition builds the sigmoid from a softmax over a new axis).
 */
import { dtypeCode, OP } from '../launch-codes.js';
import { countOf, ptrOf } from '../../program/locations.js';
import type { SimtLowering } from './simt-lowering.js';

export const rmsNorm: SimtLowering = (ctx) => {
  const x = ctx.contiguous(ctx.input(0)!);
  const w = ctx.contiguous(ctx.input(1)!);
  const out = ctx.output(0);
  const h = out.shape[out.shape.length - 1]!;
  const rows = h === 0 ? 0 : countOf(out.shape) / h;
  const eps = (ctx.node.attrs['eps'] as number | undefined) ?? 1e-5;
  if (rows * h > 0) ctx.emit(OP.rmsNorm, [dtypeCode(out.dtype), ptrOf(out), ptrOf(x), ptrOf(w), rows, h, eps]);
};

/** out = silu(x₁) · x₂ with x₁ the first half of the last dim (the gate; geglu gates the second). */
export const swiglu: SimtLowering = (ctx) => {
  const x = ctx.contiguous(ctx.input(0)!);
  const out = ctx.output(0);
  const half = out.shape[out.shape.length - 1]!;
  const rows = half === 0 ? 0 : countOf(out.shape) / half;
  if (rows * half > 0) ctx.emit(OP.swiglu, [dtypeCode(out.dtype), ptrOf(out), ptrOf(x), rows, half]);
};
