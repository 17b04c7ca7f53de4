/*
 * dtype.h — the storage dtypes as launch records number them (the values of DTYPE_CODES in
 * backends/sunway/launch-codes.ts; the runner checks them against the generated header) and exact
 * conversions between f32 and the 16-bit floats, in integer arithmetic so that they mean the same on
 * every chip (round to nearest even; NaN stays NaN).
 */
#ifndef GLM_SW_DTYPE_H
#define GLM_SW_DTYPE_H

#include <stdint.h>
#include <string.h>

enum { SW_F32 = 0, SW_F16 = 1, SW_BF16 = 2, SW_I32 = 3, SW_I8 = 4, SW_I4 = 5 };

static inline int sw_dtype_bytes(int dtype) {
    return dtype == SW_F32 || dtype == SW_I32 ? 4 : dtype == SW_F16 || dtype == SW_BF16 ? 2 : 1;
}

static inline uint32_t sw_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static inline float sw_float(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

static inline float sw_bf16_to_f32(uint16_t h) { return sw_float((uint32_t)h << 16); }

static inline uint16_t sw_f32_to_bf16(float f) {
    const uint32_t u = sw_bits(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40); /* quiet NaN */
    return (uint16_t)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

static inline float sw_f16_to_f32(uint16_t h) {
    const uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    const uint32_t exp = (h >> 10) & 0x1fu, man = h & 0x3ffu;
    if (exp == 0x1f) return sw_float(sign | 0x7f800000u | (man << 13));
    if (exp != 0) return sw_float(sign | ((exp + 112u) << 23) | (man << 13));
    /* subnormal: man · 2^-24 exactly */
    const float v = (float)man * (1.0f / 16777216.0f);
    return sign ? -v : v;
}

static inline uint16_t sw_f32_to_f16(float f) {
    const uint32_t u = sw_bits(f), sign = (u >> 16) & 0x8000u, a = u & 0x7fffffffu;
    if (a > 0x7f800000u) return (uint16_t)(sign | 0x7e00u);
    if (a >= 0x477ff000u) return (uint16_t)(sign | 0x7c00u); /* rounds to >= 65520: inf */
    if (a < 0x38800000u) {                                     /* below 2^-14: subnormal or 0 */
        const uint32_t man = (a & 0x7fffffu) | 0x800000u;
        const int shift = 126 - (int)(a >> 23); /* value = man · 2^(exp-126) units of 2^-24 */
        if (shift > 24) return (uint16_t)sign;
        const uint32_t half = 1u << (shift - 1), rest = man & ((1u << shift) - 1u);
        uint32_t r = man >> shift;
        if (rest > half || (rest == half && (r & 1u))) r++;
        return (uint16_t)(sign | r);
    }
    const uint32_t r = a - 0x38000000u; /* rebias exponent 127 -> 15 */
    return (uint16_t)(sign | ((r + 0xfffu + ((r >> 13) & 1u)) >> 13));
}

#endif /* GLM_SW_DTYPE_H */
