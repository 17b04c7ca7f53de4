/** The storage dtypes of the IR and how each is laid out in memory. */
export const DTYPES = ['f32', 'f16', 'bf16', 'i32', 'i8', 'i4'] as const;
export type DType = (typeof DTYPES)[number];
export type FloatDType = 'f32' | 'f16' | 'bf16';
export const FLOAT_DTYPES: readonly FloatDType[] = ['f32', 'f16', 'bf16'];

export interface DTypeInfo {
  /** Bits per element; i4 is packed two to a byte. */
  bits: number;
  isFloat: boolean;
  /** Distance from 1 to the next representable value (floats only). */
  epsilon: number;
  /** Largest finite value. */
  max: number;
}

export const DTYPE_INFO: Record<DType, DTypeInfo> = {
  f32: { bits: 32, isFloat: true, epsilon: 2 ** -23, max: 3.4028234663852886e38 },
  f16: { bits: 16, isFloat: true, epsilon: 2 ** -10, max: 65504 },
  bf16: { bits: 16, isFloat: true, epsilon: 2 ** -7, max: 3.3895313892515355e38 },
  i32: { bits: 32, isFloat: false, epsilon: 1, max: 2 ** 31 - 1 },
  i8: { bits: 8, isFloat: false, epsilon: 1, max: 127 },
  i4: { bits: 4, isFloat: false, epsilon: 1, max: 7 },
};

export function isDType(name: unknown): name is DType {
  return typeof name === 'string' && (DTYPES as readonly string[]).includes(name);
}

export function isFloatDType(dtype: DType): dtype is FloatDType {
  return DTYPE_INFO[dtype].isFloat;
}

/** Bytes needed to store `count` elements (i4 rounds up to whole bytes). */
export function byteLengthOf(dtype: DType, count: number): number {
  return Math.ceil((count * DTYPE_INFO[dtype].bits) / 8);
}

/** The typed array each dtype is stored in: f16/bf16 as raw 16-bit patterns, i4 as packed bytes. */
export type StorageArray = Float32Array | Uint16Array | Int32Array | Int8Array | Uint8Array;

export function allocateStorage(dtype: DType, count: number): StorageArray {
  switch (dtype) {
    case 'f32':
      return new Float32Array(count);
    case 'f16':
    case 'bf16':
      return new Uint16Array(count);
    case 'i32':
      return new Int32Array(count);
    case 'i8':
      return new Int8Array(count);
    case 'i4':
      return new Uint8Array(Math.ceil(count / 2));
  }
}

/** A view of raw bytes as the dtype's storage array (no copy when the bytes are aligned). */
export function storageView(dtype: DType, bytes: Uint8Array, count: number): StorageArray {
  const byteLength = byteLengthOf(dtype, count);
  const width = dtype === 'i4' ? 1 : DTYPE_INFO[dtype].bits / 8;
  let source = bytes;
  // Unaligned: copy once (Uint8Array's slice, because Buffer#slice would return a view).
  if (bytes.byteOffset % width !== 0) source = Uint8Array.prototype.slice.call(bytes, 0, byteLength);
  const { buffer, byteOffset } = source;
  switch (dtype) {
    case 'f32':
      return new Float32Array(buffer, byteOffset, count);
    case 'f16':
    case 'bf16':
      return new Uint16Array(buffer, byteOffset, count);
    case 'i32':
      return new Int32Array(buffer, byteOffset, count);
    case 'i8':
      return new Int8Array(buffer, byteOffset, count);
    case 'i4':
      return new Uint8Array(buffer, byteOffset, byteLength);
  }
}
