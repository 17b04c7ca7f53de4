/**
 * cache-write: the update goes into the cache at a position held on the device. A host step reads
 * the offset back, checks it and copies with InplaceCopy into the cache's view at that position
 * (launchers/kv-cache.ts); the executor stays the same from token to token, only rebound. When the
 * planner put the output in the cache's own storage (the caller donated it) only the update is
 * written; otherwise the cache is copied to the output first.
 */
import { countOf, sameLocation, withShape } from '../../program/locations.js';
import { emitHostStep, view } from './aclnn-record.js';
import type { AscendLowering } from './ascend-lowering.js';
import { emitCopy } from './copy.js';

export const cacheWrite: AscendLowering = (ctx) => {
  const cache = ctx.input(0)!;
  const update = ctx.input(1)!;
  const offset = ctx.input(2)!;
  const out = ctx.output(0);
  if (!sameLocation(cache, out)) emitCopy(ctx, cache, out);
  if (countOf(update.shape) === 0) return;
  // The update's positions at offset 0; the host step moves the view's base by offset · (the position stride).
  const target = withShape(out, update.shape, out.strides);
  ctx.noteIndexCheck();
  emitHostStep(ctx, 'cacheWriteAt', [view(offset), out.strides[2]!, out.shape[2]! - update.shape[2]!], [view(target), view(update)]);
};
