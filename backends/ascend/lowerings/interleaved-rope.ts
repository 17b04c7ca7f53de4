/**
 * interleaved-rope (ChatGLM2/3, GLM-4) on A2/A3: RotaryPositionEmbedding in mode 1 ("interleave":
 * x_rotate[2i] = −x[2i+1], x_rotate[2i+1] = x[2i]; y = x·cos + x_rotate·sin, ops-transformer
 * posembedding/rotary_position_embedding) on the first rotaryDim values of each head, read and
 * written as strided views of x and out; the values past rotaryDim are copied (InplaceCopy).
 * The op wants cos and sin per element of the rotated width, each pair's angle twice (cos[2i] =
 * cos[2i+1] = cos θᵢ); the host's rotary table (rotary.ts, float64 angles rounded to fp32) has
 * θᵢ at column i < r/2, so each table's first half is broadcast over a new pair axis by
 * InplaceCopy (which also converts to x's dtype). CANN's interleave mode takes cos as 11SD for a
 * BNSD x (one table shared by the batch), so the op is called once per batch row, each with
 * that row's positions.
 */
import { countOf } from '../../program/locations.js';
import { emitHostStep, emitOp, reshaped, view, type AclView } from './aclnn-record.js';
import type { AscendLowering, AscendStep } from './ascend-lowering.js';

/** RotaryPositionEmbedding's mode for pairs of neighbours (2i, 2i+1). */
const INTERLEAVE_MODE = 1;

/** The last dim's elements [from, from + width) of a view. */
function lastDims(v: AclView, from: number, width: number): AclView {
  return reshaped(v, [...v.shape.slice(0, 3), width], v.strides, v.elemOffset + from * v.strides[3]!);
}

/** Batch row b of a [B, …] view, as [1, …]. */
function batchRow(v: AclView, b: number): AclView {
  return reshaped(v, [1, ...v.shape.slice(1)], v.strides, v.elemOffset + b * v.strides[0]!);
}

/** cos and sin [B, 1, S, r] in x's dtype with each angle of pair i at columns 2i and 2i + 1. */
function pairTables(ctx: AscendStep, r: number): [AclView, AclView] {
  const positions = ctx.contiguous(ctx.input(1)!);
  const [batch, seq] = positions.shape as [number, number];
  const base = (ctx.node.attrs['base'] as number | undefined) ?? 10000;
  const halfTables = [ctx.temp('f32', [batch, 1, seq, r]), ctx.temp('f32', [batch, 1, seq, r])];
  emitHostStep(ctx, 'rotaryTable', [view(positions), view(halfTables[0]!), view(halfTables[1]!), r, base]);
  const pairStrides = [seq * r, seq * r, r, 2, 1];
  return halfTables.map((t) => {
    const paired = ctx.temp(ctx.output(0).dtype, [batch, 1, seq, r]);
    const angles = reshaped(view(t), [batch, 1, seq, r / 2, 1], [seq * r, seq * r, r, 1, 1]);
    emitOp(ctx, 'InplaceCopy', [reshaped(view(paired), [batch, 1, seq, r / 2, 2], pairStrides), angles]);
    return view(paired);
  }) as [AclView, AclView];
}

export const interleavedRope: AscendLowering = (ctx) => {
  const out = ctx.output(0);
  if (countOf(out.shape) === 0) return;
  const [batch, , , d] = out.shape as [number, number, number, number];
  const r = ctx.node.attrs['rotaryDim'] as number;
  const x = view(ctx.input(0)!);
  const [cos, sin] = pairTables(ctx, r);
  for (let b = 0; b < batch; b++) {
    const rotated = [lastDims(x, 0, r), cos, sin].map((v) => batchRow(v, b));
    emitOp(ctx, 'RotaryPositionEmbedding', [...rotated, INTERLEAVE_MODE, batchRow(lastDims(view(out), 0, r), b)]);
  }
  if (r < d) emitOp(ctx, 'InplaceCopy', [lastDims(view(out), r, d - r), lastDims(x, r, d - r)]);
};
