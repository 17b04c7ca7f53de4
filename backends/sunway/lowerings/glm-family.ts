/**
 * The pre-norm GLM family's ops (ChatGLM2/3, GLM-4) on CPE kernels of their own: RMSNorm
 * (kernels/rms_norm.c: one row per CPE, the row read once where it fits LDM) and SwiGLU
 * (kernels/swiglu.c: silu of the first half times the second, in double) and the interleaved rotary
 * (kernels/interleaved_rope.c: a head row per CPE item, rotated in place in LDM). Inputs contiguous.
 */
import { countOf, ptrOf, rowsOf } from '../../program/locations.js';
import { dtypeCode, OP } from '../launch-codes.js';
import type { SunwayLowering } from './sunway-lowering.js';

export const rmsNorm: SunwayLowering = (ctx) => {
  const x = ctx.contiguous(ctx.input(0)!);
  const w = ctx.contiguous(ctx.input(1)!);
  const out = ctx.output(0);
  const { rows, width: n } = rowsOf(out.shape);
  const eps = (ctx.node.attrs['eps'] as number | undefined) ?? 1e-5;
  if (rows * n > 0) ctx.emit(OP.rmsNorm, [dtypeCode(out.dtype), ptrOf(out), ptrOf(x), ptrOf(w), rows, n, eps]);
};

/** out = silu(x₁) · x₂, x₁ the first half of the last dim. */
export const swiglu: SunwayLowering = (ctx) => {
  const x = ctx.contiguous(ctx.input(0)!);
  const out = ctx.output(0);
  const { rows, width: half } = rowsOf(out.shape);
  if (rows * half > 0) ctx.emit(OP.swiglu, [dtypeCode(out.dtype), ptrOf(out), ptrOf(x), rows, half]);
};

/** Pairs (2i, 2i+1) of the first rotaryDim values of each head rotated by pos · base^(−2i/rotaryDim); the rest passed. */
export const interleavedRope: SunwayLowering = (ctx) => {
  const x = ctx.contiguous(ctx.input(0)!);
  const positions = ctx.contiguous(ctx.input(1)!);
  const out = ctx.output(0);
  const [batch, heads, seq, dim] = out.shape as [number, number, number, number];
  const rotaryDim = ctx.node.attrs['rotaryDim'] as number;
  const base = (ctx.node.attrs['base'] as number | undefined) ?? 10000;
  if (countOf(out.shape) > 0) {
    ctx.emit(OP.interleavedRope, [dtypeCode(out.dtype), ptrOf(out), ptrOf(x), ptrOf(positions), batch, heads, seq, dim, rotaryDim, base]);
  }
};
