/**
 * NaN or ±Inf in a weight poisons every logit downstream without any error, so loaded float weights
 * are checked on their raw bits (no decoding, no copy): an all-ones exponent is NaN or Inf in f32,
 * f16 and bf16 alike.
 */
import type { HostTensor } from '../../tensor/host-tensor.js';

/** Index of the first NaN/Inf element of a float tensor, or -1 (integer tensors are always finite). */
export function firstNonFinite(t: HostTensor): number {
  const exponentMask = t.dtype === 'f32' ? 0x7f800000 : t.dtype === 'f16' ? 0x7c00 : t.dtype === 'bf16' ? 0x7f80 : 0;
  if (exponentMask === 0) return -1;
  const d = t.data;
  if (t.dtype === 'f32') return scan(new Uint32Array(d.buffer, d.byteOffset, d.length), 0, d.length, exponentMask);
  // 16-bit dtypes: two elements a 32-bit word, then the exact element within a flagged word.
  const bits = d as Uint16Array;
  const aligned = d.byteOffset % 4 === 0 ? Math.floor(bits.length / 2) : 0;
  const words = aligned > 0 ? new Uint32Array(d.buffer, d.byteOffset, aligned) : new Uint32Array(0);
  const pair = (exponentMask | (exponentMask << 16)) >>> 0;
  for (let i = 0; i < words.length; i++) {
    // Lanes whose exponent is all ones become 0 after the xor; the carry trick finds a zero lane.
    const v = ((words[i]! & pair) ^ pair) >>> 0;
    if (((v - 0x00010001) & ~v & 0x80008000) !== 0) return scan(bits, 2 * i, 2 * i + 2, exponentMask);
  }
  return scan(bits, 2 * aligned, bits.length, exponentMask);
}

function scan(bits: Uint16Array | Uint32Array, from: number, to: number, exponentMask: number): number {
  for (let i = from; i < to; i++) {
    if ((bits[i]! & exponentMask) === exponentMask) return i;
  }
  return -1;
}

/** The value at that index for a message: "NaN", "Infinity" or "-Infinity". */
export function nonFiniteWord(t: HostTensor, index: number): string {
  const bits = t.dtype === 'f32' ? new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length)[index]! : (t.data as Uint16Array)[index]!;
  const [mantissa, sign] = t.dtype === 'f32' ? [bits & 0x7fffff, bits >>> 31] : t.dtype === 'f16' ? [bits & 0x3ff, bits >> 15] : [bits & 0x7f, bits >> 15];
  return mantissa !== 0 ? 'NaN' : sign ? '-Infinity' : 'Infinity';
}
