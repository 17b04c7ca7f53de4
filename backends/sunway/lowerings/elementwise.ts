/**
 * Element-wise ops (kernels/elementwise.c, kernels/activations.c): add and mul read any strided or
 * broadcast view, merged into at most MAX_RANK dims; the others take contiguous inputs and are a
 * range of elements (or of rows) that the CPEs share out.
 */
import { GlmError } from '../../../core/backend-api/plugin-api.js';
import { dtypeCode, MAX_RANK, OP } from '../launch-codes.js';
import { broadcastStrides, countOf, mergeDims, ptrOf, rowMajorStrides, rowsOf } from '../../program/locations.js';
import type { SunwayLowering, SunwayStep } from './sunway-lowering.js';

/** Output shape and the inputs' strides against it, merged; a scalar becomes [1]. */
function mergedAgainst(ctx: SunwayStep, shape: readonly number[], inputs: readonly { shape: readonly number[]; strides: readonly number[] }[]) {
  const merged = mergeDims(shape, [rowMajorStrides(shape), ...inputs.map((x) => broadcastStrides(x, shape))]);
  if (merged.shape.length > MAX_RANK) throw new GlmError('unsupported', `${ctx.backend}: ${ctx.node.op} of rank ${merged.shape.length} after merging`);
  if (merged.shape.length === 0) return { shape: [1], strides: inputs.map(() => [0]) };
  return { shape: merged.shape, strides: merged.strides.slice(1) };
}

function binary(which: 0 | 1): SunwayLowering {
  return (ctx) => {
    const a = ctx.input(0)!;
    const b = ctx.input(1)!;
    const out = ctx.output(0);
    if (countOf(out.shape) === 0) return;
    const m = mergedAgainst(ctx, out.shape, [a, b]);
    ctx.emit(OP.binary, [which, dtypeCode(out.dtype), m.shape.length, ...m.shape, ...m.strides[0]!, ...m.strides[1]!, ptrOf(out), ptrOf(a), ptrOf(b)]);
  };
}

export const add = binary(0);
export const mul = binary(1);

export const scale: SunwayLowering = (ctx) => {
  const x = ctx.contiguous(ctx.input(0)!);
  const out = ctx.output(0);
  const n = countOf(out.shape);
  if (n > 0) ctx.emit(OP.scale, [dtypeCode(out.dtype), ptrOf(out), ptrOf(x), n, ctx.node.attrs['factor'] as number]);
};

export const cast: SunwayLowering = (ctx) => {
  const x = ctx.contiguous(ctx.input(0)!);
  const out = ctx.output(0);
  const n = countOf(out.shape);
  if (n > 0) ctx.emit(OP.cast, [dtypeCode(x.dtype), dtypeCode(out.dtype), ptrOf(out), ptrOf(x), n]);
};

export const gelu: SunwayLowering = (ctx) => {
  const x = ctx.contiguous(ctx.input(0)!);
  const out = ctx.output(0);
  const n = countOf(out.shape);
  const tanh = ctx.node.attrs['approximate'] === 'tanh' ? 1 : 0;
  if (n > 0) ctx.emit(OP.gelu, [dtypeCode(out.dtype), tanh, ptrOf(out), ptrOf(x), n]);
};

function emitGeglu(ctx: SunwayStep, withBias: boolean): void {
  const x = ctx.contiguous(ctx.input(0)!);
  const bias = withBias ? ctx.contiguous(ctx.input(1)!) : null;
  const out = ctx.output(0);
  const { rows, width: half } = rowsOf(out.shape);
  if (rows * half > 0) ctx.emit(OP.geglu, [dtypeCode(out.dtype), ptrOf(out), ptrOf(x), bias ? ptrOf(bias) : null, rows, half]);
}

export const geglu: SunwayLowering = (ctx) => emitGeglu(ctx, false);
export const biasGeglu: SunwayLowering = (ctx) => emitGeglu(ctx, true);

export const deepnormResidual: SunwayLowering = (ctx) => {
  const residual = ctx.contiguous(ctx.input(0)!);
  const branch = ctx.contiguous(ctx.input(1)!);
  const out = ctx.output(0);
  const n = countOf(out.shape);
  if (n > 0) ctx.emit(OP.deepnorm, [dtypeCode(out.dtype), ptrOf(out), ptrOf(residual), ptrOf(branch), n, ctx.node.attrs['alpha'] as number]);
};

export const dequantize: SunwayLowering = (ctx) => {
  const q = ctx.contiguous(ctx.input(0)!);
  const s = ctx.contiguous(ctx.input(1)!);
  const out = ctx.output(0);
  const [rows, cols] = out.shape as [number, number];
  if (rows * cols > 0) ctx.emit(OP.dequantize, [dtypeCode(q.dtype), dtypeCode(s.dtype), dtypeCode(out.dtype), ptrOf(out), ptrOf(q), ptrOf(s), rows, cols]);
};

export const maskedFill: SunwayLowering = (ctx) => {
  const x = ctx.contiguous(ctx.input(0)!);
  const mask = ctx.input(1)!;
  const out = ctx.output(0);
  if (countOf(out.shape) === 0) return;
  const m = mergedAgainst(ctx, out.shape, [mask]);
  ctx.emit(OP.maskedFill, [dtypeCode(out.dtype), m.shape.length, ...m.shape, ...m.strides[0]!, ptrOf(out), ptrOf(x), ptrOf(mask), ctx.node.attrs['value'] as number]);
};

export const glmMaskFill: SunwayLowering = (ctx) => {
  const x = ctx.contiguous(ctx.input(0)!);
  const contextLengths = ctx.contiguous(ctx.input(1)!);
  const lengthInput = ctx.input(2);
  const length = lengthInput ? ctx.contiguous(lengthInput) : null;
  const out = ctx.output(0);
  const [b, h, q, k] = out.shape as [number, number, number, number];
  const value = (ctx.node.attrs['value'] as number | undefined) ?? -10000;
  if (b * h * q * k === 0) return;
  if (length) ctx.noteIndexCheck(); // the kernel range-checks the length it reads
  ctx.emit(OP.glmMaskFill, [dtypeCode(out.dtype), ptrOf(out), ptrOf(x), ptrOf(contextLengths), b, h, q, k, value, length ? ptrOf(length) : null]);
};
