/**
 * GLM attention, rotary embedding and rotary tables (kernels/attention.c, kernels/rotary.c). The
 * kernels read q, k, v and write their output through any [b, h, row] strides with unit-stride rows
 * (a tile of rows is one strided DMA), so the planner can hand them views (rope's output, the cache)
 * and a place inside the [B, Q, H, d] merge (sunway-target.ts says so). A view whose rows are not
 * contiguous (a transpose of the head dim: none in the GLM graphs) is copied first.
 */
import { broadcastStrides, countOf, ptrOf, type Loc } from '../../program/locations.js';
import { emitCopy } from './copy.js';
import { dtypeCode, OP } from '../launch-codes.js';
import type { SunwayLowering, SunwayStep } from './sunway-lowering.js';

const NO_STRIDES = [0, 0, 0, 0];

/** The four element strides [b, h, row, t] the kernels take. */
function strides4(loc: Loc | null): number[] {
  return loc ? [...loc.strides] : NO_STRIDES;
}

/** Rows of unit stride (or a contiguous copy): the kernels fetch a tile of rows as one strided DMA. */
function unitRows(ctx: SunwayStep, x: Loc): Loc {
  return x.strides[3] === 1 || x.shape[3] === 1 ? x : ctx.contiguous(x);
}

/**
 * Where a kernel writes output `k`: its place when its rows have unit stride, else a scratch tensor
 * copied there after the kernel (`finish`).
 */
function unitRowsOutput(ctx: SunwayStep, k: number): { target: Loc; finish: () => void } {
  const out = ctx.output(k);
  if (out.strides[3] === 1 || out.shape[3] === 1) return { target: out, finish: () => {} };
  const temp = ctx.temp(out.dtype, out.shape);
  return { target: temp, finish: () => emitCopy(ctx, temp, out) };
}

/**
 * attention, and grouped-query-attention with k and v of heads / kvGroup heads: the kernel reads KV
 * head ⌊h / kvGroup⌋ for query head h (its own record: attention's words, then kvGroup), no repeat.
 */
function emitAttention(ctx: SunwayStep, kvGroup: number): void {
  const q = unitRows(ctx, ctx.input(0)!);
  const k = unitRows(ctx, ctx.input(1)!);
  const v = unitRows(ctx, ctx.input(2)!);
  const maskInput = ctx.input(3)!;
  // The valid keys of a fixed-capacity cache: read on the CPEs, so the record is the same every step.
  const lengthInput = ctx.input(4);
  const length = lengthInput ? ctx.contiguous(lengthInput) : null;
  const { target: out, finish } = unitRowsOutput(ctx, 0);
  const [batch, heads, queries, dim] = q.shape as [number, number, number, number];
  const keys = k.shape[2]!;
  if (batch * heads * queries * dim === 0) return;
  const explicit = ctx.node.attrs['mask'] === 'explicit';
  const mask = explicit ? maskInput : ctx.contiguous(maskInput);
  const maskStrides = explicit ? broadcastStrides(mask, [batch, heads, queries, keys]) : NO_STRIDES;
  if (length) ctx.noteIndexCheck(); // the kernel range-checks the length it reads
  ctx.emit(kvGroup === 1 ? OP.attention : OP.groupedQueryAttention, [
    dtypeCode(q.dtype), ptrOf(out), ptrOf(q), ptrOf(k), ptrOf(v),
    ...strides4(q), ...strides4(k), ...strides4(v), ...strides4(out),
    batch, heads, queries, keys, dim, 1 / Math.sqrt(dim),
    explicit ? 1 : 0, explicit ? null : ptrOf(mask), explicit ? ptrOf(mask) : null, ...maskStrides,
    length ? ptrOf(length) : null, ...(kvGroup === 1 ? [] : [kvGroup]),
  ]);
  finish();
}

export const attention: SunwayLowering = (ctx) => emitAttention(ctx, 1);

export const groupedQueryAttention: SunwayLowering = (ctx) => emitAttention(ctx, ctx.input(0)!.shape[1]! / ctx.input(1)!.shape[1]!);

export const rope: SunwayLowering = (ctx) => {
  const x = unitRows(ctx, ctx.input(0)!);
  const positions = ctx.contiguous(ctx.input(1)!);
  const blockPositionsInput = ctx.input(2);
  const blockPositions = blockPositionsInput ? ctx.contiguous(blockPositionsInput) : null;
  const { target: out, finish } = unitRowsOutput(ctx, 0);
  const [batch, heads, seq, dim] = x.shape as [number, number, number, number];
  if (countOf(x.shape) === 0) return;
  const base = (ctx.node.attrs['base'] as number | undefined) ?? 10000;
  ctx.emit(OP.rope, [
    dtypeCode(x.dtype), ptrOf(out), ptrOf(x), ptrOf(positions), blockPositions ? ptrOf(blockPositions) : null,
    ...strides4(x), ...strides4(out), batch, heads, seq, dim, base,
  ]);
  finish();
};

/**
 * qkv-bias-rope; keys and values that in-place cache-writes would copy into the cache go there from
 * this kernel (at the offset it reads on the CPEs: the fusion in sunway-target.ts), and to their own
 * output only if something else reads it (prefill's attention does; a decode step's reads the cache).
 */
export const qkvBiasRope: SunwayLowering = (ctx) => {
  const qkv = ctx.contiguous(ctx.input(0)!);
  const biasInput = ctx.input(1);
  const positions = ctx.contiguous(ctx.input(2)!);
  const blockPositionsInput = ctx.input(3);
  // Per part (0 keys, 1 values): the cache, and the i32 [1] offset the cache-write read.
  const caches = ctx.fusedWrites().map((w) => w && { cache: w.target, offset: w.shared[0]!, alsoOutput: w.alsoOutput });
  const outputs = [0, 1, 2].map((k) => (k === 0 || !caches[k - 1] || caches[k - 1]!.alsoOutput ? ctx.output(k) : null));
  const [batch, heads, seq, dim] = outputs[0]!.shape as [number, number, number, number];
  if (countOf(outputs[0]!.shape) === 0) return;
  const base = (ctx.node.attrs['base'] as number | undefined) ?? 10000;
  const offset = caches[0]?.offset ?? caches[1]?.offset ?? null;
  const capacity = (caches[0] ?? caches[1])?.cache.shape[2] ?? seq;
  if (offset) ctx.noteIndexCheck();
  ctx.emit(OP.qkvBiasRope, [
    dtypeCode(qkv.dtype), ...outputs.map((o) => (o ? ptrOf(o) : null)), ptrOf(qkv), biasInput ? ptrOf(ctx.contiguous(biasInput)) : null,
    ptrOf(positions), blockPositionsInput ? ptrOf(ctx.contiguous(blockPositionsInput)) : null,
    ...outputs.flatMap((o) => strides4(o)), batch, heads, seq, dim, base,
    ...caches.flatMap((c) => (c ? [ptrOf(c.cache), ...strides4(c.cache)] : [null, ...NO_STRIDES])),
    offset ? ptrOf(offset) : null, capacity - seq,
  ]);
};

export const rotaryTable: SunwayLowering = (ctx) => {
  const positions = ctx.contiguous(ctx.input(0)!);
  const cos = ctx.output(0);
  const sin = ctx.output(1);
  const dim = ctx.node.attrs['dim'] as number;
  const base = (ctx.node.attrs['base'] as number | undefined) ?? 10000;
  const tokens = countOf(positions.shape);
  if (tokens * dim > 0) ctx.emit(OP.rotaryTable, [ptrOf(cos), ptrOf(sin), ptrOf(positions), tokens, dim, base]);
};
