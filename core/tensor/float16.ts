/**
 * IEEE binary16 and bfloat16 conversions, rounding straight from float64 to nearest-even.
 * Going through float32 first would round twice and can be off by one unit in the last place.
 */
const scratch = new DataView(new ArrayBuffer(8));

/** Unbiased binary exponent of a finite, non-zero |x| (exact, read from the float64 bits). */
function exponentOf(a: number): number {
  scratch.setFloat64(0, a);
  const biased = (scratch.getUint32(0) >>> 20) & 0x7ff;
  if (biased === 0) return Math.floor(Math.log2(a)); // float64 subnormal: far below any target range
  return biased - 1023;
}

/** Round a non-negative value to an integer, ties to even. */
export function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

interface BinaryFormat {
  mantissaBits: number;
  exponentBias: number;
  /** |x| at or above this rounds to infinity: max finite + half an ulp. */
  overflowAt: number;
  infinityBits: number;
  nanBits: number;
  signBit: number;
}

const F16: BinaryFormat = {
  mantissaBits: 10,
  exponentBias: 15,
  overflowAt: 65520,
  infinityBits: 0x7c00,
  nanBits: 0x7e00,
  signBit: 0x8000,
};
const BF16: BinaryFormat = {
  mantissaBits: 7,
  exponentBias: 127,
  overflowAt: (2 - 2 ** -8) * 2 ** 127,
  infinityBits: 0x7f80,
  nanBits: 0x7fc0,
  signBit: 0x8000,
};

function encode(x: number, f: BinaryFormat): number {
  if (Number.isNaN(x)) return f.nanBits;
  const sign = x < 0 || Object.is(x, -0) ? f.signBit : 0;
  const a = Math.abs(x);
  if (a >= f.overflowAt) return sign | f.infinityBits;
  const minNormalExponent = 1 - f.exponentBias;
  if (a < 2 ** minNormalExponent) {
    // Subnormal: a whole number of the smallest step; 2^mantissaBits here carries into the min normal.
    return sign | roundHalfEven(a * 2 ** (f.mantissaBits - minNormalExponent));
  }
  const e = exponentOf(a);
  const m = roundHalfEven(a * 2 ** (f.mantissaBits - e)); // in [2^mb, 2^(mb+1)]; the top carries up
  return sign | (((e + f.exponentBias) << f.mantissaBits) + (m - 2 ** f.mantissaBits));
}

function buildDecodeTable(f: BinaryFormat): Float64Array {
  const table = new Float64Array(65536);
  const mantissaMask = (1 << f.mantissaBits) - 1;
  const exponentMask = (f.infinityBits >> f.mantissaBits) & 0xff;
  for (let bits = 0; bits < 65536; bits++) {
    const sign = bits & f.signBit ? -1 : 1;
    const exponent = (bits >> f.mantissaBits) & exponentMask;
    const mantissa = bits & mantissaMask;
    let value: number;
    if (exponent === 0) value = mantissa * 2 ** (1 - f.exponentBias - f.mantissaBits);
    else if (exponent === exponentMask) value = mantissa === 0 ? Infinity : NaN;
    else value = (1 + mantissa / 2 ** f.mantissaBits) * 2 ** (exponent - f.exponentBias);
    table[bits] = sign * value;
  }
  return table;
}

let f16Table: Float64Array | undefined;
let bf16Table: Float64Array | undefined;

export function float64ToFloat16Bits(x: number): number {
  return encode(x, F16);
}
export function float64ToBfloat16Bits(x: number): number {
  return encode(x, BF16);
}
export function float16BitsToFloat64(bits: number): number {
  f16Table ??= buildDecodeTable(F16);
  return f16Table[bits & 0xffff]!;
}
export function bfloat16BitsToFloat64(bits: number): number {
  bf16Table ??= buildDecodeTable(BF16);
  return bf16Table[bits & 0xffff]!;
}
/** The decode tables themselves, for loops that convert whole arrays. */
export function float16DecodeTable(): Float64Array {
  return (f16Table ??= buildDecodeTable(F16));
}
export function bfloat16DecodeTable(): Float64Array {
  return (bf16Table ??= buildDecodeTable(BF16));
}
