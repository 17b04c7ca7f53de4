/**
 * float64 → binary16 / bfloat16 rounding (core/tensor/float16.ts), i4 packing and integer saturation
 * (core/tensor/host-tensor.ts). Expected bit patterns are derived by hand in the comments:
 *   binary16: sign | 5-bit exponent (bias 15) | 10-bit fraction; value (1 + f/2^10)·2^(e−15), subnormal f·2^-24.
 *   bfloat16: sign | 8-bit exponent (bias 127) | 7-bit fraction; value (1 + f/2^7)·2^(e−127), subnormal f·2^-133.
 * Round to nearest, ties to the neighbour whose fraction is even (= whose bit pattern is even).
 */
import { describe, expect, it } from 'vitest';
import {
  bfloat16BitsToFloat64,
  bfloat16DecodeTable,
  float16BitsToFloat64,
  float16DecodeTable,
  float64ToBfloat16Bits,
  float64ToFloat16Bits,
  roundHalfEven,
} from '../../core/tensor/float16.js';
import { fromFloat64, hostTensor, toFloat64 } from '../../core/tensor/host-tensor.js';

// -------------------------------------------------------------------------------------------------
// Independent helpers

const view = new DataView(new ArrayBuffer(8));

/** The float64 next to x towards +∞ / −∞ (x finite). */
function nextUp(x: number): number {
  if (x === 0) return 2 ** -1074;
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  view.setBigUint64(0, x > 0 ? bits + 1n : bits - 1n);
  return view.getFloat64(0);
}
function nextDown(x: number): number {
  return -nextUp(-x);
}

/** binary16 bits → value, built through the float32 bit layout (not the decoder under test). */
function f16Value(bits: number): number {
  const sign = bits >> 15;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) {
    const v = fraction * 2 ** -24; // an integer times a power of two: exact
    return sign ? -v : v;
  }
  if (exponent === 31) return fraction === 0 ? (sign ? -Infinity : Infinity) : NaN;
  const f32 = new DataView(new ArrayBuffer(4));
  f32.setUint32(0, ((sign << 31) | ((exponent - 15 + 127) << 23) | (fraction << 13)) >>> 0);
  return f32.getFloat32(0);
}

/** bfloat16 bits → value: bfloat16 is the top half of a float32. */
function bf16Value(bits: number): number {
  const f32 = new DataView(new ArrayBuffer(4));
  f32.setUint32(0, (bits << 16) >>> 0);
  return f32.getFloat32(0);
}

const hex = (n: number) => `0x${n.toString(16).padStart(4, '0')}`;

function expectBits(encode: (x: number) => number, cases: readonly (readonly [number, number, string])[]): void {
  const wrong = cases
    .map(([x, bits, why]) => ({ x, want: hex(bits), got: hex(encode(x)), why }))
    .filter((c) => c.want !== c.got);
  expect(wrong).toEqual([]);
}

// -------------------------------------------------------------------------------------------------

describe('float64 → binary16', () => {
  it('rounds exact ties to even, both ways, and values just off a tie to the nearest', () => {
    expectBits(float64ToFloat16Bits, [
      [1, 0x3c00, '1 = 2^0: exponent 15 = 01111, fraction 0'],
      [1 + 2 ** -11, 0x3c00, 'half-way between 1 (fraction 0, even) and 1 + 2^-10 (fraction 1): down to even'],
      [1 + 3 * 2 ** -11, 0x3c02, 'half-way between 1 + 2^-10 (fraction 1) and 1 + 2^-9 (fraction 2, even): up'],
      [1 + 2 ** -11 + 2 ** -40, 0x3c01, 'just above the tie: up to 1 + 2^-10'],
      [1 + 2 ** -11 - 2 ** -40, 0x3c00, 'just below the tie: down to 1'],
      [nextUp(1 + 2 ** -11), 0x3c01, 'the next float64 above the tie'],
      [nextDown(1 + 3 * 2 ** -11), 0x3c01, 'the next float64 below the upper tie'],
      [-(1 + 2 ** -11), 0xbc00, 'negative tie: sign bit, magnitude rounds to even'],
      [-(1 + 3 * 2 ** -11), 0xbc02, 'negative tie up in magnitude'],
      [2049, 0x6800, '2048 = 2^11 (exponent 26 = 11010), step 2 there; 2049 is a tie between 2048 (even) and 2050'],
      [2051, 0x6802, 'tie between 2050 (fraction 1) and 2052 (fraction 2): up'],
      [2047.5, 0x6800, 'tie between 2047 (0x67ff: exponent 25, fraction all ones, odd) and 2048: carries into the next binade'],
      [1 / 3, 0x3555, '1/3 = 1.0101…b·2^-2: fraction 0101010101, remainder 0.33 ulp rounds down'],
      [0.1, 0x2e66, '0.1 = 1.6·2^-4: fraction 0.6·1024 = 614.4 → 614 = 0x266, exponent 11 = 01011'],
    ]);
  });

  it('overflows to infinity at max finite + half an ulp (65520), not before', () => {
    expectBits(float64ToFloat16Bits, [
      [65504, 0x7bff, 'max finite: (2 − 2^-10)·2^15, exponent 30, fraction all ones'],
      [65519, 0x7bff, '15 below the threshold: 65504 (ulp 32 there)'],
      [65520 - 2 ** -36, 0x7bff, '65519.99…: the float64 just below 65520 still rounds down'],
      [nextDown(65520), 0x7bff, 'same, by nextDown'],
      [65520, 0x7c00, 'exact tie between 65504 (odd fraction) and 2^16 (even, not finite) → +inf'],
      [65536, 0x7c00, '2^16'],
      [1e300, 0x7c00, 'huge'],
      [-65520, 0xfc00, '−65520 → −inf'],
      [-65519.99, 0xfbff, '→ −65504'],
      [Infinity, 0x7c00, '+inf'],
      [-Infinity, 0xfc00, '−inf'],
    ]);
  });

  it('handles subnormals: smallest, half of it (tie to 0), 1.5·2^-25, ties between subnormals, carry into the normals', () => {
    expectBits(float64ToFloat16Bits, [
      [2 ** -24, 0x0001, 'smallest subnormal: fraction 1 × 2^-24'],
      [2 ** -25, 0x0000, 'half the smallest subnormal: tie between 0 (even) and 2^-24 → +0'],
      [-(2 ** -25), 0x8000, 'negative: → −0'],
      [nextUp(2 ** -25), 0x0001, 'just above half → 2^-24'],
      [1.5 * 2 ** -25, 0x0001, '0.75 of a step → 2^-24'],
      [3 * 2 ** -25, 0x0002, '1.5 steps: tie between 1 (odd) and 2 (even) → 2'],
      [5 * 2 ** -25, 0x0002, '2.5 steps: tie between 2 (even) and 3 → 2'],
      [2 ** -14 - 2 ** -24, 0x03ff, 'largest subnormal 1023·2^-24'],
      [2 ** -14 - 2 ** -25, 0x0400, 'half-way between 0x03ff (odd) and the smallest normal 2^-14 (0x0400, even): carries'],
      [nextDown(2 ** -14 - 2 ** -25), 0x03ff, 'just below that tie'],
      [2 ** -14, 0x0400, 'smallest normal: exponent 1, fraction 0'],
      [2 ** -1074, 0x0000, 'the smallest float64 subnormal'],
      [-(2 ** -1074), 0x8000, 'and its negative → −0'],
    ]);
  });

  it('keeps the sign of zero and encodes NaN as a NaN', () => {
    expect(float64ToFloat16Bits(0)).toBe(0x0000);
    expect(float64ToFloat16Bits(-0)).toBe(0x8000);
    const nan = float64ToFloat16Bits(NaN);
    expect(nan & 0x7c00).toBe(0x7c00); // exponent all ones …
    expect(nan & 0x03ff).not.toBe(0); //  … and a nonzero fraction
    expect(Number.isNaN(float16BitsToFloat64(nan))).toBe(true);
  });

  it('rounds straight from float64: the float32 detour (double rounding) differs on a crafted value, ours does not', () => {
    // x = 1 + 2^-11 + 2^-40 lies just above the f16 tie 1 + 2^-11. float32 keeps bits down to 2^-23, so
    // Math.fround(x) drops the 2^-40 and lands exactly ON the tie, which then rounds down to even (1).
    const x = 1 + 2 ** -11 + 2 ** -40;
    expect(Math.fround(x)).toBe(1 + 2 ** -11);
    expect(float64ToFloat16Bits(Math.fround(x))).toBe(0x3c00); // the double-rounded (wrong) answer: 1
    expect(float64ToFloat16Bits(x)).toBe(0x3c01); // correct: 1 + 2^-10
    // The same below a tie: 1 + 3·2^-11 − 2^-40 → float32 gives the tie 1 + 3·2^-11 → up to 1 + 2^-9; correct is 1 + 2^-10.
    const y = 1 + 3 * 2 ** -11 - 2 ** -40;
    expect(float64ToFloat16Bits(Math.fround(y))).toBe(0x3c02);
    expect(float64ToFloat16Bits(y)).toBe(0x3c01);
  });

  it('decodes all 65536 patterns to the value built through float32 bits, and re-encodes every non-NaN one to itself', () => {
    const table = float16DecodeTable();
    const wrong: string[] = [];
    for (let bits = 0; bits < 65536; bits++) {
      const want = f16Value(bits);
      const got = float16BitsToFloat64(bits);
      if (!Object.is(got, want) || !Object.is(table[bits], want)) wrong.push(`${hex(bits)}: got ${got}, want ${want}`);
      if (!Number.isNaN(want) && float64ToFloat16Bits(want) !== bits) wrong.push(`${hex(bits)} does not round-trip`);
      if (Number.isNaN(want) && !Number.isNaN(float16BitsToFloat64(float64ToFloat16Bits(want)))) wrong.push(`${hex(bits)} NaN`);
      if (wrong.length > 10) break;
    }
    expect(wrong).toEqual([]);
  });

  it('every midpoint between neighbouring finite values rounds to the even one; one float64 off it rounds to the nearer', () => {
    const wrong: string[] = [];
    for (let bits = 0; bits < 0x7c00 && wrong.length < 10; bits++) {
      const lo = f16Value(bits);
      const hi = bits + 1 === 0x7c00 ? 65536 : f16Value(bits + 1); // past the max finite: the overflow threshold
      const mid = (lo + hi) / 2; // exact in float64
      const even = bits % 2 === 0 ? bits : bits + 1;
      for (const sign of [0, 0x8000]) {
        const s = sign ? -1 : 1;
        if (float64ToFloat16Bits(s * mid) !== (sign | even)) wrong.push(`mid ${s * mid} → ${hex(float64ToFloat16Bits(s * mid))}`);
        if (float64ToFloat16Bits(s * nextUp(mid)) !== (sign | (bits + 1))) wrong.push(`above ${s * mid}`);
        if (float64ToFloat16Bits(s * nextDown(mid)) !== (sign | bits)) wrong.push(`below ${s * mid}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});

describe('float64 → bfloat16', () => {
  it('rounds ties to even both ways and values off a tie to the nearest', () => {
    expectBits(float64ToBfloat16Bits, [
      [1, 0x3f80, '1: exponent 127 = 0x7f, fraction 0'],
      [1 + 2 ** -8, 0x3f80, 'tie between 1 (even) and 1 + 2^-7 → 1'],
      [1 + 3 * 2 ** -8, 0x3f82, 'tie between 1 + 2^-7 (odd) and 1 + 2^-6 (even) → 1 + 2^-6'],
      [1 + 2 ** -8 + 2 ** -40, 0x3f81, 'just above the tie → 1 + 2^-7'],
      [1 + 2 ** -8 - 2 ** -40, 0x3f80, 'just below → 1'],
      [-10000, 0xc61c, '10000 = 156.25·2^6 → 156·2^6 = 9984 = 1.21875·2^13: exponent 140 = 0x8c, fraction 28 = 0x1c'],
      [3, 0x4040, '3 = 1.5·2^1: exponent 128, fraction 64'],
    ]);
  });

  it('overflows at (2 − 2^-8)·2^127, keeps (2 − 2^-7)·2^127 as max finite', () => {
    expectBits(float64ToBfloat16Bits, [
      [(2 - 2 ** -7) * 2 ** 127, 0x7f7f, 'max finite: exponent 254, fraction all ones'],
      [nextDown((2 - 2 ** -8) * 2 ** 127), 0x7f7f, 'just below the threshold'],
      [(2 - 2 ** -8) * 2 ** 127, 0x7f80, 'max + half ulp: tie towards the even 2^128, i.e. +inf'],
      [-(2 - 2 ** -8) * 2 ** 127, 0xff80, '−inf'],
      [2 ** 128, 0x7f80, '2^128'],
      [Infinity, 0x7f80, '+inf'],
      [-Infinity, 0xff80, '−inf'],
    ]);
  });

  it('handles subnormals and the carry into the normals', () => {
    expectBits(float64ToBfloat16Bits, [
      [2 ** -133, 0x0001, 'smallest subnormal: fraction 1 × 2^-133'],
      [2 ** -134, 0x0000, 'half of it: tie → +0'],
      [-(2 ** -134), 0x8000, '→ −0'],
      [1.5 * 2 ** -134, 0x0001, '0.75 step → 2^-133'],
      [3 * 2 ** -134, 0x0002, '1.5 steps: tie → 2'],
      [2 ** -126 - 2 ** -134, 0x0080, 'half-way between the largest subnormal 0x007f and the smallest normal 2^-126: carries'],
      [2 ** -126, 0x0080, 'smallest normal'],
    ]);
    expect(float64ToBfloat16Bits(-0)).toBe(0x8000);
    const nan = float64ToBfloat16Bits(NaN);
    expect(nan & 0x7f80).toBe(0x7f80);
    expect(nan & 0x007f).not.toBe(0);
  });

  it('double rounding through float32 differs on a crafted value, ours does not', () => {
    // 1 + 2^-8 + 2^-30: float32 drops 2^-30 (below half its ulp 2^-23) and lands on the bf16 tie → 1.
    const x = 1 + 2 ** -8 + 2 ** -30;
    expect(Math.fround(x)).toBe(1 + 2 ** -8);
    expect(float64ToBfloat16Bits(Math.fround(x))).toBe(0x3f80);
    expect(float64ToBfloat16Bits(x)).toBe(0x3f81);
  });

  it('decodes all 65536 patterns as the top half of a float32, and re-encodes every non-NaN one to itself', () => {
    const table = bfloat16DecodeTable();
    const wrong: string[] = [];
    for (let bits = 0; bits < 65536 && wrong.length < 10; bits++) {
      const want = bf16Value(bits);
      if (!Object.is(bfloat16BitsToFloat64(bits), want) || !Object.is(table[bits], want)) wrong.push(`${hex(bits)} decodes wrong`);
      if (!Number.isNaN(want) && float64ToBfloat16Bits(want) !== bits) wrong.push(`${hex(bits)} does not round-trip`);
    }
    expect(wrong).toEqual([]);
  });

  it('every midpoint between neighbouring finite values rounds to the even one', () => {
    const wrong: string[] = [];
    for (let bits = 0; bits < 0x7f80 && wrong.length < 10; bits++) {
      const lo = bf16Value(bits);
      const hi = bits + 1 === 0x7f80 ? 2 ** 128 : bf16Value(bits + 1);
      const mid = (lo + hi) / 2;
      const even = bits % 2 === 0 ? bits : bits + 1;
      if (float64ToBfloat16Bits(mid) !== even) wrong.push(`mid ${mid}`);
      if (float64ToBfloat16Bits(-mid) !== (0x8000 | even)) wrong.push(`mid ${-mid}`);
      if (float64ToBfloat16Bits(nextUp(mid)) !== bits + 1) wrong.push(`above ${mid}`);
      if (float64ToBfloat16Bits(nextDown(mid)) !== bits) wrong.push(`below ${mid}`);
    }
    expect(wrong).toEqual([]);
  });
});

describe('roundHalfEven', () => {
  it('rounds halves to the even integer and everything else to the nearest', () => {
    const cases: [number, number][] = [
      [0, 0], [0.5, 0], [1.5, 2], [2.5, 2], [3.5, 4], [1.4999999999999998, 1], [2.5000000000000004, 3],
      [2 ** 52 - 0.5, 2 ** 52], [2 ** 52 - 1.5, 2 ** 52 - 2], [2 ** 53, 2 ** 53], [7, 7],
    ];
    expect(cases.map(([x]) => roundHalfEven(x))).toEqual(cases.map(([, r]) => r));
  });
});

describe('host tensors: i4 packing, integer saturation, float storage', () => {
  it('packs i4 two per byte with the even element in the high nibble', () => {
    // [1, −1]: 1 → high nibble 0001, −1 → two's complement 1111 in the low nibble → 0x1f.
    expect(Array.from(fromFloat64('i4', [2], [1, -1]).data)).toEqual([0x1f]);
    // [−8, 7, 0, −1, 5]: 1000|0111 = 0x87, 0000|1111 = 0x0f, 0101|0000 = 0x50 (odd count: the last low nibble is 0).
    expect(Array.from(fromFloat64('i4', [5], [-8, 7, 0, -1, 5]).data)).toEqual([0x87, 0x0f, 0x50]);
    expect(Array.from(toFloat64(fromFloat64('i4', [5], [-8, 7, 0, -1, 5])))).toEqual([-8, 7, 0, -1, 5]);
  });

  it('unpacks every byte with sign extension of both nibbles', () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    const values = toFloat64(hostTensor('i4', [512], bytes));
    // Sign-extend a nibble by shifting it to the top of an int32 and back (arithmetic shift).
    const want = Array.from(bytes).flatMap((b) => [((b >> 4) << 28) >> 28, ((b & 0xf) << 28) >> 28]);
    expect(Array.from(values)).toEqual(want);
    expect(Array.from(toFloat64(hostTensor('i4', [4], Uint8Array.of(0xf8, 0x7e))))).toEqual([-1, -8, 7, -2]);
  });

  it('needs ceil(count / 2) bytes of i4 storage', () => {
    expect(hostTensor('i4', [3]).data.length).toBe(2);
    expect(() => hostTensor('i4', [3], new Uint8Array(1))).toThrow();
  });

  it('rounds to integers half to even, then saturates; NaN → 0', () => {
    // i4 range [−8, 7]: 7.5 → 8 (even) → 7; −8.5 → −8 (even); 6.5 → 6; −7.5 → −8; −6.5 → −6.
    expect(Array.from(toFloat64(fromFloat64('i4', [9], [7.5, -8.5, 6.5, -7.5, -6.5, 100, -100, NaN, 0.5])))).toEqual([
      7, -8, 6, -8, -6, 7, -8, 0, 0,
    ]);
    // i8 range [−128, 127]: 126.5 → 126; 127.5 → 128 → 127; −128.5 → −128 (even, in range); −127.5 → −128.
    expect(Array.from(fromFloat64('i8', [12], [126.5, 127.5, -128.5, -127.5, 128, -129, 2.5, -2.5, 3.5, NaN, Infinity, -Infinity]).data)).toEqual([
      126, 127, -128, -128, 127, -128, 2, -2, 4, 0, 127, -128,
    ]);
    // i32: 2147483646.5 → 2147483646 (even); 2147483647.5 → 2^31 → saturates to 2^31 − 1; −2^31 − 0.5 → −2^31 (even).
    expect(Array.from(fromFloat64('i32', [7], [2147483646.5, 2147483647.5, -(2 ** 31) - 0.5, 1e12, -1e12, 0.5, 1.5]).data)).toEqual([
      2147483646, 2147483647, -2147483648, 2147483647, -2147483648, 0, 2,
    ]);
  });

  it('stores f16 / bf16 as the rounded bit patterns and f32 with float32 rounding', () => {
    expect(Array.from(fromFloat64('f16', [4], [1 + 2 ** -11, 1 + 3 * 2 ** -11, 65520, -0]).data)).toEqual([0x3c00, 0x3c02, 0x7c00, 0x8000]);
    expect(Array.from(fromFloat64('bf16', [3], [1 + 2 ** -8, 1 + 3 * 2 ** -8, -10000]).data)).toEqual([0x3f80, 0x3f82, 0xc61c]);
    // float32: 1 + 2^-24 is a tie between 1 and 1 + 2^-23 → 1; 1 + 3·2^-24 → 1 + 2^-22.
    expect(Array.from(fromFloat64('f32', [2], [1 + 2 ** -24, 1 + 3 * 2 ** -24]).data)).toEqual([1, 1 + 2 ** -22]);
    expect(Array.from(toFloat64(fromFloat64('f16', [2], [2 ** -24, -65504])))).toEqual([2 ** -24, -65504]);
  });
});
