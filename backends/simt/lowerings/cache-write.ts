/**
 * cache-write: the update is copied into the cache at a position read on the device (OP.cacheWrite),
 * so the record is the same at every decode step. When the planner put the output in the cache's
 * own storage (the caller donated the cache) only the update is written; otherwise the cache is
 * copied to the output first. The target folds an in-place write of qkv-bias-rope's keys or values
 * into that kernel (attention.ts; the fusion in simt-target.ts), and then this lowering does not run.
 */
import { MAX_RANK, OP } from '../launch-codes.js';
import { countOf, elementBytes, mergeDims, ptrOf, sameLocation, withShape } from '../../program/locations.js';
import type { SimtLowering } from './simt-lowering.js';
import { emitCopy, widenInnermost } from './copy.js';
import { GlmError } from '../../../core/backend-api/plugin-api.js';

export const cacheWrite: SimtLowering = (ctx) => {
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
  const strideSets = merged.shape.length > 0 ? [merged.strides[0]!, merged.strides[1]!] : [[1], [1]];
  if (dims.length > MAX_RANK) throw new GlmError('unsupported', `${ctx.backend}: cache-write needs ${dims.length} dims after merging`);
  // The offset's stride scales with the element, so it must divide too.
  const wide = widenInnermost(elementBytes(out.dtype), dims, strideSets, [ptrOf(target), ptrOf(update)], [out.strides[2]!]);
  const { width, shape } = wide;
  const [dstStrides, srcStrides] = wide.strides as [number[], number[]];
  const offsetStride = wide.scalars[0]!;
  ctx.noteIndexCheck();
  ctx.emit(OP.cacheWrite, [
    width, shape.length, ...shape, ...dstStrides, ...srcStrides,
    ptrOf(target), ptrOf(update), ptrOf(offset), offsetStride, out.shape[2]! - update.shape[2]!,
  ]);
};
