/** A tensor in host memory, in its storage dtype, and conversions between storage and float64. */
import { allocateStorage, byteLengthOf, type DType, type StorageArray } from './dtype.js';
import {
  bfloat16DecodeTable,
  float16DecodeTable,
  float64ToBfloat16Bits,
  float64ToFloat16Bits,
} from './float16.js';
import { GlmError } from '../errors.js';
import { roundHalfEven } from './float16.js';

export interface HostTensor {
  readonly dtype: DType;
  readonly shape: readonly number[];
  /** Storage: f16/bf16 as 16-bit patterns, i4 packed two per byte (even element in the high nibble). */
  readonly data: StorageArray;
}

export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function hostTensor(dtype: DType, shape: readonly number[], data?: StorageArray): HostTensor {
  const count = elementCount(shape);
  const storage = data ?? allocateStorage(dtype, count);
  const expected = dtype === 'i4' ? byteLengthOf('i4', count) : count;
  if (storage.length !== expected) {
    throw new GlmError('shape', `tensor of ${dtype}[${shape.join(',')}] needs ${expected} storage elements, got ${storage.length}`);
  }
  return { dtype, shape: [...shape], data: storage };
}

/** The raw bytes of a tensor's storage (a view, no copy). */
export function tensorBytes(t: HostTensor): Uint8Array {
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

/** Decode storage into float64 values (integers stay exact). */
export function toFloat64(t: HostTensor): Float64Array {
  const n = elementCount(t.shape);
  const out = new Float64Array(n);
  decodeInto(t.dtype, t.data, out);
  return out;
}

export function decodeInto(dtype: DType, data: StorageArray, out: Float64Array): void {
  const n = out.length;
  switch (dtype) {
    case 'f16':
    case 'bf16': {
      const table = dtype === 'f16' ? float16DecodeTable() : bfloat16DecodeTable();
      for (let i = 0; i < n; i++) out[i] = table[data[i]!]!;
      return;
    }
    case 'i4': {
      for (let i = 0; i < n; i++) {
        const byte = data[i >> 1]!;
        const nibble = i % 2 === 0 ? byte >> 4 : byte & 0x0f;
        out[i] = nibble >= 8 ? nibble - 16 : nibble;
      }
      return;
    }
    default:
      for (let i = 0; i < n; i++) out[i] = data[i]!;
  }
}

/**
 * Round float64 values into a dtype's storage: nearest-even for floats, and for integer dtypes
 * round-half-even then saturate (the caller decides whether saturation is an error).
 */
export function fromFloat64(dtype: DType, shape: readonly number[], values: ArrayLike<number>): HostTensor {
  const t = hostTensor(dtype, shape);
  encodeInto(dtype, values, t.data);
  return t;
}

export function encodeInto(dtype: DType, values: ArrayLike<number>, data: StorageArray): void {
  const n = values.length;
  switch (dtype) {
    case 'f32':
      for (let i = 0; i < n; i++) data[i] = values[i]!; // Float32Array assignment rounds to nearest even
      return;
    case 'f16':
      for (let i = 0; i < n; i++) data[i] = float64ToFloat16Bits(values[i]!);
      return;
    case 'bf16':
      for (let i = 0; i < n; i++) data[i] = float64ToBfloat16Bits(values[i]!);
      return;
    case 'i32':
    case 'i8':
      for (let i = 0; i < n; i++) data[i] = saturate(dtype, values[i]!);
      return;
    case 'i4': {
      data.fill(0);
      for (let i = 0; i < n; i++) {
        const nibble = saturate('i4', values[i]!) & 0x0f;
        data[i >> 1] |= i % 2 === 0 ? nibble << 4 : nibble;
      }
      return;
    }
  }
}

const INT_RANGE: Record<'i32' | 'i8' | 'i4', [number, number]> = {
  i32: [-(2 ** 31), 2 ** 31 - 1],
  i8: [-128, 127],
  i4: [-8, 7],
};

function saturate(dtype: 'i32' | 'i8' | 'i4', v: number): number {
  const [lo, hi] = INT_RANGE[dtype];
  if (Number.isNaN(v)) return 0;
  const r = Math.sign(v) * roundHalfEven(Math.abs(v)); // ties to even, like torch.round
  return Math.min(hi, Math.max(lo, r));
}
