/**
 * The strided copy every data-movement op lowers to (the kernel: kernels/copy.c). Dims contiguous on
 * both sides are merged, so most copies are a few long rows, each moved by one DMA get and one put
 * (strided DMA where the innermost dim is not contiguous). A gather is the same copy with one
 * iteration dim taking its source position from an index tensor (range-checked on the CPEs).
 */
import { GlmError } from '../../../core/backend-api/plugin-api.js';
import { MAX_RANK, OP } from '../launch-codes.js';
import { countOf, elementBytes, mergeDims, ptrOf, type Loc, type Ptr } from '../../program/locations.js';
import type { Emitter } from '../../program/lowering-context.js';

/** A gather: iteration dim `dim` takes its source position from `indices` (checked < limit). */
export interface IndexedDim {
  readonly dim: number;
  readonly indices: Ptr;
  readonly limit: number;
}

interface CopyShape {
  readonly shape: number[];
  readonly dst: number[];
  readonly src: number[];
  /** The indexed dim after merging, or -1. */
  readonly indexDim: number;
}

/** Merged iteration dims; the indexed dim (if any) stays whole, those before and after it merge separately. */
function copyShape(src: Loc, dst: Loc, index?: IndexedDim): CopyShape {
  const shape = dst.shape;
  if (!index) {
    const m = mergeDims(shape, [dst.strides, src.strides]);
    return m.shape.length === 0 ? { shape: [1], dst: [1], src: [1], indexDim: -1 } : { shape: m.shape, dst: m.strides[0]!, src: m.strides[1]!, indexDim: -1 };
  }
  const at = index.dim;
  const before = mergeDims(shape.slice(0, at), [dst.strides.slice(0, at), src.strides.slice(0, at)]);
  const after = mergeDims(shape.slice(at + 1), [dst.strides.slice(at + 1), src.strides.slice(at + 1)]);
  return {
    shape: [...before.shape, shape[at]!, ...after.shape],
    dst: [...before.strides[0]!, dst.strides[at]!, ...after.strides[0]!],
    src: [...before.strides[1]!, src.strides[at]!, ...after.strides[1]!],
    indexDim: before.shape.length,
  };
}

export function emitCopy(e: Emitter, src: Loc, dst: Loc, index?: IndexedDim): void {
  if (countOf(dst.shape) === 0) return;
  if (dst.dtype === 'i4') throw new GlmError('unsupported', `${e.backend}: copies of packed i4 data are not supported (only whole weights are read)`);
  const c = copyShape(src, dst, index);
  if (c.shape.length > MAX_RANK) throw new GlmError('unsupported', `${e.backend}: a copy needs ${c.shape.length} dims after merging (at most ${MAX_RANK})`);
  if (index) e.noteIndexCheck();
  e.emit(OP.copy, [
    elementBytes(dst.dtype), c.shape.length, ...c.shape, ...c.dst, ...c.src, ptrOf(dst), ptrOf(src),
    c.indexDim, index ? index.limit : 0, index ? index.indices : null,
  ]);
}
