/**
 * Rotary embedding, rotate-half pairing (dimension i with i + d/2): out = x·cos + rotate_half(x)·sin
 * with cos and sin gathered from the host's float64 tables (rotary.ts). A2/A3 call their fused
 * RotaryPositionEmbedding (mode 0 = half) with the tables cast to x's dtype; the original 910 has no
 * such op and composes it on the half-views of x and out: out₁ = x₁·cos − x₂·sin and
 * out₂ = x₂·cos + x₁·sin, the products kept in fp32 and rounded once by the Add that writes out.
 * qkv-bias-rope adds the bias once, reads q, k and v as strided [B, H, S, d] views of the biased
 * product and rotates q and k from one table.
 */
import { countOf, type Loc } from '../../program/locations.js';
import { ACL_DTYPE } from '../launch-codes.js';
import { emitHostStep, emitOp, reshaped, scalar, view, type AclView } from './aclnn-record.js';
import type { AscendLowering, AscendStep } from './ascend-lowering.js';
import { emitCopy } from './copy.js';

interface Tables {
  readonly cos: AclView;
  readonly sin: AclView;
}

/** cos and sin [B, 1, S, dim] for `positions` [B, S], as `dtype` (cast from the fp32 tables unless f32). */
function tables(ctx: AscendStep, positions: Loc, dim: number, dtype: Loc['dtype']): Tables {
  const [batch, seq] = positions.shape as [number, number];
  const shape = [batch, 1, seq, dim];
  const cos = ctx.temp('f32', shape);
  const sin = ctx.temp('f32', shape);
  const base = (ctx.node.attrs['base'] as number | undefined) ?? 10000;
  emitHostStep(ctx, 'rotaryTable', [view(ctx.contiguous(positions)), view(cos), view(sin), dim, base]);
  if (dtype === 'f32' || ctx.options.generation === 'original910') return { cos: view(cos), sin: view(sin) };
  const [c, s] = [ctx.temp(dtype, shape), ctx.temp(dtype, shape)];
  emitOp(ctx, 'Cast', [view(cos), ACL_DTYPE[dtype], view(c)]);
  emitOp(ctx, 'Cast', [view(sin), ACL_DTYPE[dtype], view(s)]);
  return { cos: view(c), sin: view(s) };
}

/** The last dim's elements [from, from + width) of a view. */
function lastDims(v: AclView, from: number, width: number): AclView {
  const r = v.shape.length;
  return reshaped(v, [...v.shape.slice(0, r - 1), width], v.strides, v.elemOffset + from * v.strides[r - 1]!);
}

/** The 910's rotation of x (last dim d) into out, on half-views with fp32 products. */
function rotateComposed(ctx: AscendStep, x: AclView, t: Tables, out: AclView): void {
  const d = x.shape[x.shape.length - 1]!;
  const half = d / 2;
  const [x1, x2, o1, o2] = [lastDims(x, 0, half), lastDims(x, half, half), lastDims(out, 0, half), lastDims(out, half, half)];
  const [c, s] = [lastDims(t.cos, 0, half), lastDims(t.sin, 0, half)];
  const shape = x1.shape;
  const [p, q] = [view(ctx.temp('f32', shape)), view(ctx.temp('f32', shape))];
  emitOp(ctx, 'Mul', [x1, c, p]);
  emitOp(ctx, 'Mul', [x2, s, q]);
  emitOp(ctx, 'Add', [p, q, scalar(-1, ACL_DTYPE.f32), o1]);
  emitOp(ctx, 'Mul', [x2, c, p]);
  emitOp(ctx, 'Mul', [x1, s, q]);
  emitOp(ctx, 'Add', [p, q, scalar(1, ACL_DTYPE.f32), o2]);
}

function rotate(ctx: AscendStep, x: AclView, t: Tables, out: AclView): void {
  if (ctx.options.generation === 'original910') rotateComposed(ctx, x, t, out);
  else emitOp(ctx, 'RotaryPositionEmbedding', [x, t.cos, t.sin, 0, out]);
}

/**
 * x [B, H, S, d] rotated into out: 1-D over the whole head dim; 2-D (blockPositions given) the first
 * half with positions and the second with blockPositions, each with its own d/2-wide table.
 */
function emitRope(ctx: AscendStep, x: AclView, positions: Loc, blockPositions: Loc | null, out: Loc): void {
  const d = x.shape[3]!;
  if (!blockPositions) {
    rotate(ctx, x, tables(ctx, positions, d, out.dtype), view(out));
    return;
  }
  const half = d / 2;
  [positions, blockPositions].forEach((p, k) => {
    rotate(ctx, lastDims(x, k * half, half), tables(ctx, p, half, out.dtype), lastDims(view(out), k * half, half));
  });
}

export const rope: AscendLowering = (ctx) => {
  const out = ctx.output(0);
  if (countOf(out.shape) === 0) return;
  emitRope(ctx, view(ctx.input(0)!), ctx.input(1)!, ctx.input(2), out);
};

export const qkvBiasRope: AscendLowering = (ctx) => {
  const qkv = ctx.input(0)!;
  const bias = ctx.input(1);
  const outputs = [0, 1, 2].map((k) => ctx.output(k));
  const [batch, heads, seq, d] = outputs[0]!.shape as [number, number, number, number];
  if (countOf(outputs[0]!.shape) === 0) return;
  let biased = qkv;
  if (bias) {
    biased = ctx.temp(qkv.dtype, qkv.shape);
    emitOp(ctx, 'Add', [view(qkv), view(bias), scalar(1, ACL_DTYPE.f32), view(biased)]);
  }
  const width = 3 * heads * d;
  // Per token, head h holds [q_h | k_h | v_h]: part p of head h starts at h·3d + p·d.
  const part = (p: number): AclView =>
    reshaped(view(biased), [batch, heads, seq, d], [seq * width, 3 * d, width, 1], biased.elemOffset + p * d);
  const positions = ctx.input(2)!;
  const blockPositions = ctx.input(3);
  if (!blockPositions) {
    // One table for q and k.
    const t = tables(ctx, positions, d, outputs[0]!.dtype);
    for (const p of [0, 1]) rotate(ctx, part(p), t, view(outputs[p]!));
  } else {
    for (const p of [0, 1]) emitRope(ctx, part(p), positions, blockPositions, outputs[p]!);
  }
  emitCopy(ctx, withView(biased, part(2)), outputs[2]!);
};

/** A Loc over `loc`'s storage with the shape, strides and offset of `v`. */
function withView(loc: Loc, v: AclView): Loc {
  return { ...loc, shape: v.shape, strides: v.strides, elemOffset: v.elemOffset };
}
