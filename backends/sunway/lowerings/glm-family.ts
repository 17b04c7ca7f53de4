/**
 * The pre-norm GLM family's ops (ChatGLM2/3, GLM-4) on CPE kernels of their own: RMSNorm
 * (kernels/rms_norm.c: one row per CPE, the row read once where it fits LDM) and SwiGLU
 * (kernels/swiglu.c: silu of the first half times the second, in double). Inputs contiguous.
 */
import { countOf, ptrOf } from '../../program/locations.js';
import { dtypeCode, OP } from '../launch-codes.js';
import type { SunwayLowering } from './sunway-lowering.js';

export const rmsNorm: SunwayLowering = (ctx) => {
  const x = ctx.contiguous(ctx.input(0)!);
  const w = ctx.contiguous(ctx.input(1)!);
  const out = ctx.output(0);
  const n = out.shape[out.shape.length - 1]!;
  const rows = n === 0 ? 0 : countOf(out.shape) / n;
  const eps = (ctx.node.attrs['eps'] as number | undefined) ?? 1e-5;
  if (rows * n > 0) ctx.emit(OP.rmsNorm, [dtypeCode(out.dtype), ptrOf(out), ptrOf(x), ptrOf(w), rows, n, eps]);
};

/** out = silu(x₁) · x₂, x₁ the first half of the last dim. */
export const swiglu: SunwayLowering = (ctx) => {
  const x = ctx.contiguous(ctx.input(0)!);
  const out = ctx.output(0);
  const half = out.shape[out.shape.length - 1]!;
  const rows = half === 0 ? 0 : countOf(out.shape) / half;
  if (rows * half > 0) ctx.emit(OP.swiglu, [dtypeCode(out.dtype), ptrOf(out), ptrOf(x), rows, half]);
};
