/** Element-wise ops: add/mul read any strided or broadcast view; the rest take contiguous inputs. */
import { GlmError } from '../../../core/backend-api/plugin-api.js';
import { dtypeCode, MAX_RANK, OP } from '../launch-codes.js';
import { broadcastStrides, countOf, mergeDims, ptrOf, rowMajorStrides, rowsOf } from '../../program/locations.js';
import type { SimtLowering, SimtStep } from './simt-lowering.js';

function binary(which: 0 | 1): SimtLowering {
  return (ctx) => {
    const a = ctx.input(0)!;
    const b = ctx.input(1)!;
    const out = ctx.output(0);
    const n = countOf(out.shape);
    if (n === 0) return;
    const merged = mergeDims(out.shape, [rowMajorStrides(out.shape), broadcastStrides(a, out.shape), broadcastStrides(b, out.shape)]);
    const shape = merged.shape.length > 0 ? merged.shape : [1];
    const [, sa, sb] = merged.shape.length > 0 ? merged.strides : [[1], [0], [0]];
    if (shape.length > MAX_RANK) throw new GlmError('unsupported', `${ctx.backend}: ${ctx.node.op} of rank ${shape.length} after merging`);
    ctx.emit(OP.binary, [which, dtypeCode(out.dtype), shape.length, ...shape, ...sa!, ...sb!, ptrOf(out), ptrOf(a), ptrOf(b)]);
  };
}

export const add = binary(0);
export const mul = binary(1);

export const scale: SimtLowering = (ctx) => {
  const x = ctx.contiguous(ctx.input(0)!);
  const out = ctx.output(0);
  const n = countOf(out.shape);
  if (n > 0) ctx.emit(OP.scale, [dtypeCode(out.dtype), ptrOf(out), ptrOf(x), n, ctx.node.attrs['factor'] as number]);
};

export const cast: SimtLowering = (ctx) => {
  const x = ctx.contiguous(ctx.input(0)!);
  const out = ctx.output(0);
  const n = countOf(out.shape);
  if (n > 0) ctx.emit(OP.cast, [dtypeCode(x.dtype), dtypeCode(out.dtype), ptrOf(out), ptrOf(x), n]);
};

export const gelu: SimtLowering = (ctx) => {
  const x = ctx.contiguous(ctx.input(0)!);
  const out = ctx.output(0);
  const n = countOf(out.shape);
  const tanh = ctx.node.attrs['approximate'] === 'tanh' ? 1 : 0;
  if (n > 0) ctx.emit(OP.gelu, [dtypeCode(out.dtype), tanh, ptrOf(out), ptrOf(x), n]);
};

function emitGeglu(ctx: SimtStep, withBias: boolean): void {
  const x = ctx.contiguous(ctx.input(0)!);
  const bias = withBias ? ctx.contiguous(ctx.input(1)!) : null;
  const out = ctx.output(0);
  const { rows, width: half } = rowsOf(out.shape);
  if (rows * half > 0) ctx.emit(OP.geglu, [dtypeCode(out.dtype), ptrOf(out), ptrOf(x), bias ? ptrOf(bias) : null, rows, half]);
}

export const geglu: SimtLowering = (ctx) => emitGeglu(ctx, false);
export const biasGeglu: SimtLowering = (ctx) => emitGeglu(ctx, true);

export const deepnormResidual: SimtLowering = (ctx) => {
  const residual = ctx.contiguous(ctx.input(0)!);
  const branch = ctx.contiguous(ctx.input(1)!);
  const out = ctx.output(0);
  const n = countOf(out.shape);
  if (n > 0) ctx.emit(OP.deepnorm, [dtypeCode(out.dtype), ptrOf(out), ptrOf(residual), ptrOf(branch), n, ctx.node.attrs['alpha'] as number]);
};

export const dequantize: SimtLowering = (ctx) => {
  const q = ctx.contiguous(ctx.input(0)!);
  const s = ctx.contiguous(ctx.input(1)!);
  const out = ctx.output(0);
  const [rows, cols] = out.shape as [number, number];
  if (rows * cols > 0) ctx.emit(OP.dequantize, [dtypeCode(q.dtype), dtypeCode(out.dtype), ptrOf(out), ptrOf(q), ptrOf(s), rows, cols]);
};

export const maskedFill: SimtLowering = (ctx) => {
  const x = ctx.contiguous(ctx.input(0)!);
  const mask = ctx.input(1)!;
  const out = ctx.output(0);
  const n = countOf(out.shape);
  if (n === 0) return;
  const merged = mergeDims(out.shape, [rowMajorStrides(out.shape), broadcastStrides(mask, out.shape)]);
  const shape = merged.shape.length > 0 ? merged.shape : [1];
  const ms = merged.shape.length > 0 ? merged.strides[1]! : [0];
  if (shape.length > MAX_RANK) throw new GlmError('unsupported', `${ctx.backend}: masked-fill of rank ${shape.length} after merging`);
  ctx.emit(OP.maskedFill, [dtypeCode(out.dtype), shape.length, ...shape, ...ms, ptrOf(out), ptrOf(x), ptrOf(mask), ctx.node.attrs['value'] as number]);
};

export const glmMaskFill: SimtLowering = (ctx) => {
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
