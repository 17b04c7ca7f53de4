/**
 * The pre-norm GLM family's ops (ChatGLM2/3, GLM-4) on their own kernels: RMSNorm (one pass over a row,
 * where the decomposition normalises the row mirrored to twice its width) and SwiGLU (one read of each
 * half, where the decomposition builds the sigmoid from a softmax over a new axis) and the interleaved
 * rotary (each pair read and written once, where the decomposition regroups the rotated part twice).
 */
import { dtypeCode, OP } from '../launch-codes.js';
import { countOf, ptrOf, rowsOf } from '../../program/locations.js';
import type { SimtLowering } from './simt-lowering.js';

export const rmsNorm: SimtLowering = (ctx) => {
  const x = ctx.contiguous(ctx.input(0)!);
  const w = ctx.contiguous(ctx.input(1)!);
  const out = ctx.output(0);
  const { rows, width: h } = rowsOf(out.shape);
  const eps = (ctx.node.attrs['eps'] as number | undefined) ?? 1e-5;
  if (rows * h > 0) ctx.emit(OP.rmsNorm, [dtypeCode(out.dtype), ptrOf(out), ptrOf(x), ptrOf(w), rows, h, eps]);
};

/** out = silu(x₁) · x₂ with x₁ the first half of the last dim (the gate; geglu gates the second). */
export const swiglu: SimtLowering = (ctx) => {
  const x = ctx.contiguous(ctx.input(0)!);
  const out = ctx.output(0);
  const { rows, width: half } = rowsOf(out.shape);
  if (rows * half > 0) ctx.emit(OP.swiglu, [dtypeCode(out.dtype), ptrOf(out), ptrOf(x), rows, half]);
};

/** Pairs (2i, 2i+1) of the first rotaryDim values of each head rotated by pos · base^(−2i/rotaryDim); the rest copied. */
export const interleavedRope: SimtLowering = (ctx) => {
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
