/**
 * cache-write: the update is copied into the cache at a position read on the device (OP.cacheWrite),
 * so the record is the same at every decode step. When the planner put the output in the cache's
 * own storage (the caller donated the cache) only the update is written; otherwise the cache is
 * copied to the output first.
 */
import { MAX_RANK, OP } from '../launch-codes.js';
import { alignmentOf, countOf, elementBytes, mergeDims, ptrOf, withShape, type Loc } from '../locations.js';
import type { Lowering } from '../planner.js';
import { emitCopy } from './copy.js';
import { GlmError } from '../../../core/runtime/plugin-api.js';

function sameLocation(a: Loc, b: Loc): boolean {
  return a.storage === b.storage && a.elemOffset === b.elemOffset && a.strides.every((s, i) => s === b.strides[i]);
}

export const cacheWrite: Lowering = (ctx) => {
  const cache = ctx.input(0)!;
  const update = ctx.input(1)!;
  const offset = ctx.contiguous(ctx.input(2)!);
  const out = ctx.output(0);
  if (!sameLocation(cache, out)) emitCopy(ctx, cache, out);
  if (countOf(update.shape) === 0) return;

  // The update's positions in the output at offset 0; the kernel adds offset · (the sequence stride).
  const target = withShape(out, update.shape, out.strides);
  const merged = mergeDims(update.shape, [target.strides, update.strides]);
  let shape = merged.shape.length > 0 ? merged.shape : [1];
  let dstStrides = merged.shape.length > 0 ? merged.strides[0]! : [1];
  let srcStrides = merged.shape.length > 0 ? merged.strides[1]! : [1];
  let offsetStride = out.strides[2]!;
  if (shape.length > MAX_RANK) throw new GlmError('unsupported', `${ctx.backend}: cache-write needs ${shape.length} dims after merging`);

  // Widen the element along a unit-stride innermost dim when every stride (the offset's too) allows.
  const es = elementBytes(out.dtype);
  let width = es;
  const last = shape.length - 1;
  if (dstStrides[last] === 1 && srcStrides[last] === 1) {
    const limit = Math.min(alignmentOf(ptrOf(target)), alignmentOf(ptrOf(update)));
    for (const candidate of [16, 8, 4]) {
      const ratio = candidate / es;
      if (candidate <= es || candidate > limit || shape[last]! % ratio !== 0 || offsetStride % ratio !== 0) continue;
      if ([...dstStrides, ...srcStrides].every((s, i) => i % shape.length === last || s % ratio === 0)) {
        width = candidate;
        break;
      }
    }
  }
  if (width !== es) {
    const ratio = width / es;
    shape = shape.map((d, i) => (i === last ? d / ratio : d));
    dstStrides = dstStrides.map((s, i) => (i === last ? 1 : s / ratio));
    srcStrides = srcStrides.map((s, i) => (i === last ? 1 : s / ratio));
    offsetStride /= ratio;
  }
  ctx.noteIndexCheck();
  ctx.emit(OP.cacheWrite, [
    width, shape.length, ...shape, ...dstStrides, ...srcStrides,
    ptrOf(target), ptrOf(update), ptrOf(offset), offsetStride, out.shape[2]! - update.shape[2]!,
  ]);
};
