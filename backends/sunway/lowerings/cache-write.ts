/**
 * cache-write: the update is copied into the cache at a position read on the CPEs (OP.cacheWrite,
 * kernels/copy.c), so the record is the same at every decode step. When the planner put the output in
 * the cache's own storage (the caller donated the cache) only the update is written; otherwise the
 * cache is copied to the output first. The target folds an in-place write of qkv-bias-rope's keys or
 * values into that kernel (attention.ts), and then this lowering does not run.
 */
import { GlmError } from '../../../core/backend-api/plugin-api.js';
import { MAX_RANK, OP } from '../launch-codes.js';
import { countOf, elementBytes, mergeDims, ptrOf, sameLocation, withShape } from '../../program/locations.js';
import type { SunwayLowering } from './sunway-lowering.js';
import { emitCopy } from './copy.js';

export const cacheWrite: SunwayLowering = (ctx) => {
  const cache = ctx.input(0)!;
  const update = ctx.input(1)!;
  const offset = ctx.contiguous(ctx.input(2)!);
  const out = ctx.output(0);
  if (!sameLocation(cache, out)) emitCopy(ctx, cache, out);
  if (countOf(update.shape) === 0) return;
  // The update's positions in the output at offset 0; the kernel adds offset · (the sequence stride).
  const target = withShape(out, update.shape, out.strides);
  const merged = mergeDims(update.shape, [target.strides, update.strides]);
  const dims = merged.shape.length > 0 ? merged.shape : [1];
  const [dst, src] = merged.shape.length > 0 ? (merged.strides as [number[], number[]]) : [[1], [1]];
  if (dims.length > MAX_RANK) throw new GlmError('unsupported', `${ctx.backend}: cache-write needs ${dims.length} dims after merging`);
  ctx.noteIndexCheck();
  ctx.emit(OP.cacheWrite, [
    elementBytes(out.dtype), dims.length, ...dims, ...dst, ...src,
    ptrOf(target), ptrOf(update), ptrOf(offset), out.strides[2]!, out.shape[2]! - update.shape[2]!,
  ]);
};
