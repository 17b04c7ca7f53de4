/**
 * The strided copy every data-movement op lowers to. Dims contiguous on both sides are merged and,
 * when sizes, strides and addresses allow, the element is widened to 16 (or 8, 4) bytes.
 */
import { GlmError } from '../../../core/backend-api/plugin-api.js';
import { MAX_RANK, OP } from '../launch-codes.js';
import { alignmentOf, countOf, elementBytes, mergeDims, ptrOf, type Loc, type Ptr } from '../../program/locations.js';
import type { Emitter } from '../../program/lowering-context.js';

/** A gather: iteration dim `dim` takes its source position from `indices` (checked < limit). */
export interface IndexedDim {
  readonly dim: number;
  readonly indices: Ptr;
  readonly limit: number;
}

/**
 * The element widened to 16, 8 or 4 bytes along a unit-stride innermost dim, when that dim's size,
 * every other stride of every set (each set is one operand's strides, in elements of `es` bytes) and
 * every address allow it; the shape and strides are rescaled to the wider element. `scalars` are
 * element counts that must scale too (e.g. a stride applied on the device): a width is taken only if
 * they divide, and they come back divided.
 */
export function widenInnermost(
  es: number,
  shape: readonly number[],
  strideSets: readonly (readonly number[])[],
  addresses: readonly Ptr[],
  scalars: readonly number[] = [],
): { width: number; shape: number[]; strides: number[][]; scalars: number[] } {
  const last = shape.length - 1;
  const unchanged = { width: es, shape: [...shape], strides: strideSets.map((s) => [...s]), scalars: [...scalars] };
  if (!strideSets.every((s) => s[last] === 1)) return unchanged;
  const limit = Math.min(...addresses.map(alignmentOf));
  for (const candidate of [16, 8, 4]) {
    if (candidate <= es || candidate > limit) continue;
    const ratio = candidate / es;
    const fits =
      shape[last]! % ratio === 0 &&
      strideSets.every((set) => set.every((s, d) => d === last || s % ratio === 0)) &&
      scalars.every((n) => n % ratio === 0);
    if (!fits) continue;
    return {
      width: candidate,
      shape: shape.map((d, i) => (i === last ? d / ratio : d)),
      strides: strideSets.map((set) => set.map((s, i) => (i === last ? 1 : s / ratio))),
      scalars: scalars.map((n) => n / ratio),
    };
  }
  return unchanged;
}

export function emitCopy(e: Emitter, src: Loc, dst: Loc, index?: IndexedDim): void {
  const shape = dst.shape;
  if (countOf(shape) === 0) return;
  const es = elementBytes(dst.dtype);
  let iterShape: number[];
  let dstStrides: number[];
  let srcStrides: number[];
  let indexDim = -1;
  if (index) {
    // Merge the dims before and after the indexed one separately; the indexed dim stays whole.
    const before = mergeDims(shape.slice(0, index.dim), [dst.strides.slice(0, index.dim), src.strides.slice(0, index.dim)]);
    const after = mergeDims(shape.slice(index.dim + 1), [dst.strides.slice(index.dim + 1), src.strides.slice(index.dim + 1)]);
    iterShape = [...before.shape, shape[index.dim]!, ...after.shape];
    dstStrides = [...before.strides[0]!, dst.strides[index.dim]!, ...after.strides[0]!];
    srcStrides = [...before.strides[1]!, src.strides[index.dim]!, ...after.strides[1]!];
    indexDim = before.shape.length;
  } else {
    const merged = mergeDims(shape, [dst.strides, src.strides]);
    iterShape = merged.shape;
    dstStrides = merged.strides[0]!;
    srcStrides = merged.strides[1]!;
  }
  if (iterShape.length === 0) {
    iterShape = [1];
    dstStrides = [1];
    srcStrides = [1];
  }
  if (iterShape.length > MAX_RANK) throw new GlmError('unsupported', `${e.backend}: a copy needs ${iterShape.length} dims after merging (at most ${MAX_RANK})`);

  const srcPtr = ptrOf(src);
  const dstPtr = ptrOf(dst);
  const wide =
    iterShape.length - 1 === indexDim
      ? { width: es, shape: iterShape, strides: [dstStrides, srcStrides] }
      : widenInnermost(es, iterShape, [dstStrides, srcStrides], [dstPtr, srcPtr]);
  const width = wide.width;
  iterShape = wide.shape;
  [dstStrides, srcStrides] = wide.strides as [number[], number[]];
  if (index) e.noteIndexCheck();
  e.emit(OP.copy, [
    width,
    iterShape.length,
    ...iterShape,
    ...dstStrides,
    ...srcStrides,
    dstPtr,
    srcPtr,
    indexDim,
    index ? index.limit : 0,
    index ? index.indices : null,
  ]);
}
