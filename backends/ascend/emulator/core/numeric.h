// Ascend storage formats and the roundings the hardware applies: fp16 and bf16 are rounded to
// nearest, ties to even; HF32 (the A2 Cube's reduced fp32) keeps 10 mantissa bits, truncated as
// ops-nn's test helper models it (conv/conv2d_v2/tests/assets/input.py fp32_to_hf32).
#pragma once

#include <cstdint>
#include <cstring>

namespace emu {

inline uint32_t floatBits(float value) {
    uint32_t bits;
    std::memcpy(&bits, &value, sizeof bits);
    return bits;
}

inline float bitsFloat(uint32_t bits) {
    float value;
    std::memcpy(&value, &bits, sizeof value);
    return value;
}

inline uint16_t floatToHalf(float value) {
    const uint32_t bits = floatBits(value);
    const uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000u);
    const uint32_t magnitude = bits & 0x7fffffffu;
    if (magnitude >= 0x7f800000u) {  // Inf stays Inf; NaN stays a quiet NaN
        return sign | (magnitude > 0x7f800000u ? 0x7e00u : 0x7c00u);
    }
    if (magnitude >= 0x477ff000u) return sign | 0x7c00u;  // >= 65520 rounds to Inf
    if (magnitude <= 0x33000000u) return sign;            // <= 2^-25 rounds to zero (tie to even)
    const int exponent = static_cast<int>(magnitude >> 23);
    uint32_t quotient;
    uint32_t remainder;
    uint32_t halfway;
    if (exponent < 113) {  // a half subnormal: units of 2^-24
        const uint32_t mantissa = (magnitude & 0x7fffffu) | 0x800000u;
        const int shift = 126 - exponent;
        quotient = mantissa >> shift;
        remainder = mantissa & ((1u << shift) - 1);
        halfway = 1u << (shift - 1);
    } else {
        quotient = (static_cast<uint32_t>(exponent - 112) << 10) | ((magnitude >> 13) & 0x3ffu);
        remainder = magnitude & 0x1fffu;
        halfway = 0x1000u;
    }
    if (remainder > halfway || (remainder == halfway && (quotient & 1u))) ++quotient;
    return static_cast<uint16_t>(sign | quotient);
}

inline float halfToFloat(uint16_t half) {
    const uint32_t sign = static_cast<uint32_t>(half & 0x8000u) << 16;
    const uint32_t exponent = (half >> 10) & 0x1fu;
    uint32_t mantissa = half & 0x3ffu;
    if (exponent == 0x1f) return bitsFloat(sign | 0x7f800000u | (mantissa << 13));
    if (exponent != 0) return bitsFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    if (mantissa == 0) return bitsFloat(sign);
    int shift = 0;  // normalise a subnormal
    while ((mantissa & 0x400u) == 0) {
        mantissa <<= 1;
        ++shift;
    }
    return bitsFloat(sign | (static_cast<uint32_t>(113 - shift) << 23) | ((mantissa & 0x3ffu) << 13));
}

inline uint16_t floatToBf16(float value) {
    const uint32_t bits = floatBits(value);
    if ((bits & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((bits >> 16) | 0x40u);
    const uint32_t lsb = (bits >> 16) & 1u;
    return static_cast<uint16_t>((bits + 0x7fffu + lsb) >> 16);
}

inline float bf16ToFloat(uint16_t value) { return bitsFloat(static_cast<uint32_t>(value) << 16); }

inline float roundToHalf(float value) { return halfToFloat(floatToHalf(value)); }
inline float roundToBf16(float value) { return bf16ToFloat(floatToBf16(value)); }
inline float truncateToHf32(float value) { return bitsFloat(floatBits(value) & 0xffffe000u); }

}  // namespace emu
