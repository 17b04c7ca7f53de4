/**
 * Where a value lives during one run: a storage (a bound tensor's buffer, or a slot of the arena
 * assigned after planning) plus an element offset and element strides. Views (a permutation, a part
 * or a new shape of contiguous data) are locations that share their input's storage; a producer that
 * can write through strides may be given a location inside its consumer's output (placement).
 */
import { DTYPE_INFO, type DType } from '../../core/backend-api/plugin-api.js';

export interface Storage {
  readonly id: number;
  /** Bytes; for arena slots, what the slot needs. */
  readonly bytes: number;
  /** A tensor bound by the caller (an input, param or output, by name), or an arena slot. */
  readonly kind: 'bound' | 'arena';
  readonly binding?: { readonly role: 'input' | 'output'; readonly name: string };
  /** Largest power of two (≤ 256) that divides the storage's base address. */
  readonly align: number;
  /** First and last plan step that touch it (arena slots only). */
  first: number;
  last: number;
  /** Arena offset, set by the allocator. */
  offset: number;
}

export interface Loc {
  readonly storage: Storage;
  /** Offset of element [0, …, 0] in elements of `dtype` (bytes for i4, always 0). */
  readonly elemOffset: number;
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
}

/** A device address to be resolved once storages have addresses. */
export interface Ptr {
  readonly storage: Storage;
  readonly byteOffset: number;
}

/** Alignment in bytes (power of two, ≤ 256) of a pointer. */
export function alignmentOf(ptr: Ptr): number {
  let a = ptr.storage.align;
  while (a > 1 && ptr.byteOffset % a !== 0) a /= 2;
  return a;
}

export function elementBytes(dtype: DType): number {
  return DTYPE_INFO[dtype].bits / 8;
}

export function ptrOf(loc: Loc): Ptr {
  return { storage: loc.storage, byteOffset: loc.elemOffset * elementBytes(loc.dtype) };
}

export function countOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** A tensor seen as rows of its last dimension: `width` the last dimension, `rows` the product of the others. */
export function rowsOf(shape: readonly number[]): { rows: number; width: number } {
  return { rows: countOf(shape.slice(0, -1)), width: shape[shape.length - 1]! };
}

export function rowMajorStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

/** Row-major contiguous (dims of size 1 may have any stride). */
/** The same elements of the same storage (a write to one is a write to the other). */
export function sameLocation(a: Loc, b: Loc): boolean {
  return a.storage === b.storage && a.elemOffset === b.elemOffset && a.strides.every((s, i) => s === b.strides[i]);
}

export function isContiguous(loc: Pick<Loc, 'shape' | 'strides'>): boolean {
  let expected = 1;
  for (let i = loc.shape.length - 1; i >= 0; i--) {
    const d = loc.shape[i]!;
    if (d !== 1 && loc.strides[i] !== expected) return false;
    expected *= d;
  }
  return true;
}

export function withShape(loc: Loc, shape: readonly number[], strides: readonly number[], elemOffset = loc.elemOffset): Loc {
  return { storage: loc.storage, elemOffset, dtype: loc.dtype, shape: [...shape], strides: [...strides] };
}

/** Broadcast strides of `loc` against a larger shape (0 where a dim is stretched or missing). */
export function broadcastStrides(loc: Pick<Loc, 'shape' | 'strides'>, target: readonly number[]): number[] {
  const offset = target.length - loc.shape.length;
  return target.map((t, i) => {
    const k = i - offset;
    if (k < 0) return 0;
    return loc.shape[k] === 1 && t !== 1 ? 0 : loc.strides[k]!;
  });
}

/**
 * Merge adjacent dims that are contiguous with each other in every listed stride set and drop
 * dims of size 1: the fewer dims, the cheaper the kernels' index arithmetic.
 */
export function mergeDims(shape: readonly number[], strideSets: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strideSets.map(() => []);
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i]!;
    if (d === 1) continue;
    const last = outShape.length - 1;
    const mergeable = last >= 0 && strideSets.every((s, k) => outStrides[k]![last] === d * s[i]!);
    if (mergeable) {
      outShape[last] = outShape[last]! * d;
      strideSets.forEach((s, k) => (outStrides[k]![last] = s[i]!));
    } else {
      outShape.push(d);
      strideSets.forEach((s, k) => outStrides[k]!.push(s[i]!));
    }
  }
  return { shape: outShape, strides: outStrides };
}

export function normalizeAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}
