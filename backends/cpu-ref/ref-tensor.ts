/**
 * The reference's working form of a tensor: float64 values that are exactly representable in the
 * tensor's dtype. Kernels compute in float64 and round once, through roundToDtype.
 */
import {
  GlmError,
  bfloat16DecodeTable,
  float16DecodeTable,
  float64ToBfloat16Bits,
  float64ToFloat16Bits,
  type DType,
} from '../../core/backend-api/plugin-api.js';

export interface RefTensor {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly values: Float64Array;
}

const INT_LIMITS: Partial<Record<DType, [number, number]>> = {
  i32: [-(2 ** 31), 2 ** 31 - 1],
  i8: [-128, 127],
  i4: [-8, 7],
};

/** Round every value in place to the nearest value of the dtype (ties to even); integers must already fit. */
export function roundToDtype(dtype: DType, values: Float64Array): Float64Array {
  const n = values.length;
  switch (dtype) {
    case 'f32':
      for (let i = 0; i < n; i++) values[i] = Math.fround(values[i]!);
      break;
    case 'f16': {
      const table = float16DecodeTable();
      for (let i = 0; i < n; i++) values[i] = table[float64ToFloat16Bits(values[i]!)]!;
      break;
    }
    case 'bf16': {
      const table = bfloat16DecodeTable();
      for (let i = 0; i < n; i++) values[i] = table[float64ToBfloat16Bits(values[i]!)]!;
      break;
    }
    default: {
      const [lo, hi] = INT_LIMITS[dtype]!;
      for (let i = 0; i < n; i++) {
        const v = values[i]!;
        if (!Number.isInteger(v) || v < lo || v > hi) throw new GlmError('input', `integer result ${v} does not fit ${dtype}`);
      }
    }
  }
  return values;
}

export function refTensor(dtype: DType, shape: readonly number[], values: Float64Array): RefTensor {
  return { dtype, shape: [...shape], values };
}

/** A kernel's output: computed values rounded once to the dtype. */
export function rounded(dtype: DType, shape: readonly number[], values: Float64Array): RefTensor {
  return refTensor(dtype, shape, roundToDtype(dtype, values));
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

/** Strides of `shape` seen through broadcasting to `target` (0 where a dim is stretched). */
export function broadcastStrides(shape: readonly number[], target: readonly number[]): number[] {
  const own = stridesOf(shape);
  const offset = target.length - shape.length;
  return target.map((_, i) => {
    const k = i - offset;
    if (k < 0) return 0;
    return shape[k] === 1 && target[i] !== 1 ? 0 : own[k]!;
  });
}

/** numpy broadcasting on concrete shapes (the IR checked symbolic agreement already). */
export function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new GlmError('shape', `shapes [${a}] and [${b}] do not broadcast`);
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** Calls visit(outIndex, offsetA, offsetB) for every element of `target`, walking both inputs' strides. */
export function forEachBroadcast(
  target: readonly number[],
  stridesA: readonly number[],
  stridesB: readonly number[],
  visit: (out: number, a: number, b: number) => void,
): void {
  const rank = target.length;
  const total = sizeOf(target);
  const index = new Array<number>(rank).fill(0);
  let a = 0;
  let b = 0;
  for (let out = 0; out < total; out++) {
    visit(out, a, b);
    for (let d = rank - 1; d >= 0; d--) {
      index[d]!++;
      a += stridesA[d]!;
      b += stridesB[d]!;
      if (index[d]! < target[d]!) break;
      a -= stridesA[d]! * target[d]!;
      b -= stridesB[d]! * target[d]!;
      index[d] = 0;
    }
  }
}

export function normalizeAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}
