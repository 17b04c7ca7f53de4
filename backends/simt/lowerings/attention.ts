/**
 * GLM attention, rotary embedding and rotary tables. Both attention paths read q, k, v through
 * their strides and write the output through its strides, so the planner can hand them views
 * (rope's output, the cache) and a place inside the [B, Q, H, d] merge (simt-target.ts says so).
 */
import { dtypeCode, OP } from '../launch-codes.js';
import { broadcastStrides, countOf, elementBytes, ptrOf, type Loc } from '../../program/locations.js';
import type { SimtLowering, SimtStep } from './simt-lowering.js';
import { alignUp } from '../../program/arena.js';

/** The four element strides [b, h, row, t] the kernels take. */
function strides4(loc: Loc): number[] {
  return [...loc.strides];
}

/** (b, h) pairs laid out with one stride, as a batched GEMM needs. */
function flatOverHeads(loc: Loc): boolean {
  return loc.shape[0] === 1 || loc.strides[0] === loc.shape[1]! * loc.strides[1]!;
}

/**
 * attention, and grouped-query-attention with k and v of heads / kvGroup heads: query head h reads KV
 * head ⌊h / kvGroup⌋ (its own record: attention's words, then kvGroup), so the KV heads are never
 * repeated. KV groups run the fused kernels only (the materialised products step through k and v one
 * head per query head).
 */
function emitAttention(ctx: SimtStep, kvGroup: number): void {
  const q = ctx.input(0)!;
  const k = ctx.input(1)!;
  const v = ctx.input(2)!;
  const maskInput = ctx.input(3)!;
  // The valid keys of a fixed-capacity cache: a pointer, read by the kernels, so the record stays the same every step.
  const lengthInput = ctx.input(4);
  const length = lengthInput ? ctx.contiguous(lengthInput) : null;
  const out = ctx.output(0);
  const [batch, heads, queries, dim] = q.shape as [number, number, number, number];
  const keys = k.shape[2]!;
  if (batch * heads * queries * dim === 0) return;
  const explicit = ctx.node.attrs['mask'] === 'explicit';
  const mask = explicit ? maskInput : ctx.contiguous(maskInput);
  const maskStrides = explicit ? broadcastStrides(mask, [batch, heads, queries, keys]) : [0, 0, 0, 0];
  const scale = 1 / Math.sqrt(dim);
  const unitInner = [q, k, v, out].every((x) => x.strides[3] === 1 || dim === 1);
  const materialise =
    kvGroup === 1 && queries >= ctx.options.attentionMaterializeFrom && unitInner && flatOverHeads(q) && flatOverHeads(k) && keys > 0;
  const es = elementBytes(q.dtype);
  let mode = 0;
  let splits = 1;
  let keysPerSplit = keys;
  let chunk = 0;
  let workspaceBytes = 0;
  if (materialise) {
    // f16: scores in f16, overwritten by the probabilities (as the release's fp16 path rounds them);
    // f32/bf16: fp32 scores beside the probabilities. Chunks of heads sized to stay in L2.
    mode = q.dtype === 'f16' ? 2 : 1;
    const perPair = mode === 2 ? queries * keys * es : queries * keys * (4 + es);
    chunk = Math.max(1, Math.min(batch * heads, Math.floor(ctx.options.attentionChunkBytes / perPair)));
    workspaceBytes = mode === 2 ? chunk * queries * keys * es : alignUp(chunk * queries * keys * 4) + chunk * queries * keys * es;
  } else {
    // Enough blocks to fill the device: split the keys when there are few query rows (decode). For
    // decode (≤ 4 queries, cuda's decode kernel) also at most 1024 keys a split, so that no block
    // streams much of a row alone at the end of the kernel (many rows: cuda's decode kernel at batch
    // 16, cache 2049, took 0.394 ms with 1 split, 0.377–0.378 with 2–3 and 0.384–0.388 with the 5
    // that a 512-key limit gave, on an H200). Then the keys are shared out evenly, so the last split
    // is not a short one.
    const rows = batch * heads * queries;
    const wanted = Math.max(1, Math.ceil((ctx.options.attentionBlocksPerMultiprocessor * ctx.options.multiprocessors) / rows));
    keysPerSplit = Math.max(64, Math.ceil(keys / wanted));
    if (queries <= 4) keysPerSplit = Math.min(keysPerSplit, 1024);
    splits = Math.max(1, Math.ceil(keys / keysPerSplit));
    keysPerSplit = Math.max(1, Math.ceil(keys / splits));
    workspaceBytes = splits > 1 ? rows * splits * (2 + dim) * 4 : 0;
  }
  const workspace = workspaceBytes > 0 ? ptrOf(ctx.scratch(workspaceBytes)) : null;
  if (length) ctx.noteIndexCheck(); // the kernels range-check the length they read
  ctx.emit(kvGroup === 1 ? OP.attention : OP.groupedQueryAttention, [
    dtypeCode(q.dtype), mode, ptrOf(out), ptrOf(q), ptrOf(k), ptrOf(v),
    ...strides4(q), ...strides4(k), ...strides4(v), ...strides4(out),
    batch, heads, queries, keys, dim, scale,
    explicit ? 1 : 0, explicit ? null : ptrOf(mask), explicit ? ptrOf(mask) : null, ...maskStrides,
    workspace, splits, keysPerSplit, chunk, length ? ptrOf(length) : null, ...(kvGroup === 1 ? [] : [kvGroup]),
  ]);
}

export const attention: SimtLowering = (ctx) => emitAttention(ctx, 1);

export const groupedQueryAttention: SimtLowering = (ctx) => emitAttention(ctx, ctx.input(0)!.shape[1]! / ctx.input(1)!.shape[1]!);

export const rope: SimtLowering = (ctx) => {
  const x = ctx.input(0)!;
  const positions = ctx.contiguous(ctx.input(1)!);
  const blockPositionsInput = ctx.input(2);
  const blockPositions = blockPositionsInput ? ctx.contiguous(blockPositionsInput) : null;
  const out = ctx.output(0);
  const [batch, heads, seq, dim] = x.shape as [number, number, number, number];
  if (countOf(x.shape) === 0) return;
  const base = (ctx.node.attrs['base'] as number | undefined) ?? 10000;
  ctx.emit(OP.rope, [
    dtypeCode(x.dtype), ptrOf(out), ptrOf(x), ptrOf(positions), blockPositions ? ptrOf(blockPositions) : null,
    ...strides4(x), ...strides4(out), batch, heads, seq, dim, base,
  ]);
};

/**
 * qkv-bias-rope; keys and values that in-place cache-writes would copy into the cache go there from
 * this kernel (at the offset it reads on the device: the fusion in simt-target.ts), and to their own
 * output only if something else reads it (prefill's attention does; a decode step's reads the cache).
 */
export const qkvBiasRope: SimtLowering = (ctx) => {
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
  const none = [0, 0, 0, 0];
  ctx.emit(OP.qkvBiasRope, [
    dtypeCode(qkv.dtype), ...outputs.map((o) => (o ? ptrOf(o) : null)), ptrOf(qkv), biasInput ? ptrOf(ctx.contiguous(biasInput)) : null,
    ptrOf(positions), blockPositionsInput ? ptrOf(ctx.contiguous(blockPositionsInput)) : null,
    ...outputs.flatMap((o) => (o ? strides4(o) : none)), batch, heads, seq, dim, base,
    ...caches.flatMap((c) => (c ? [ptrOf(c.cache), ...strides4(c.cache)] : [null, ...none])),
    offset ? ptrOf(offset) : null, capacity - seq,
  ]);
};

export const rotaryTable: SimtLowering = (ctx) => {
  const positions = ctx.contiguous(ctx.input(0)!);
  const cos = ctx.output(0);
  const sin = ctx.output(1);
  const dim = ctx.node.attrs['dim'] as number;
  const base = (ctx.node.attrs['base'] as number | undefined) ?? 10000;
  const tokens = countOf(positions.shape);
  if (tokens * dim > 0) ctx.emit(OP.rotaryTable, [ptrOf(cos), ptrOf(sin), ptrOf(positions), tokens, dim, base]);
};
