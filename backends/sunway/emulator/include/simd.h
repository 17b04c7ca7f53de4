/*
 * simd.h — glm-sdk's emulator subset of the Sunway CPE SIMD API, on gcc vector extensions.
 *
 * Written fresh from shared/spec/sunway.md §1–2; no Sunway header was copied.
 *   SW26010:      floatv4 (4 x f32), doublev4 (4 x f64)
 *   SW26010-Pro:  floatv8 (8 x f32), doublev8 (8 x f64), intv16, float16v32 (32 x _Float16)
 * Use the SW_F32V type from sw_compat.h to write one kernel for both widths.
 *
 * simd_load(dest, src) assigns; simd_store(src, dest) is SOURCE first (as on the chip). Aligned
 * loads/stores check alignment to the vector's size and fail the spawn otherwise; simd_loadu /
 * simd_storeu are the unaligned forms.
 *
 * Flops: simd_vmas (2 x lanes) and simd_vaddh / vsubh / vmulh (lanes) count themselves, by element
 * width (f16 / f32 / f64). Vector OPERATORS (a + b, a * b) are not counted: add SW_FLOPS(n).
 * simd_vmas rounds twice (a*b, then +c) in the emulator; on the chip it is a fused multiply-add.
 *
 * gcc warns (-Wpsabi) that passing 32/64-byte vectors by value depends on -mavx; irrelevant here
 * (one compiler, one set of flags), so this header turns that warning off for its includers.
 */
#ifndef GLM_SW_EMU_SIMD_H
#define GLM_SW_EMU_SIMD_H

#if defined(__sw_64__)
#error "emulator simd.h included on a real Sunway build: use the toolchain's simd.h"
#endif

#pragma GCC diagnostic ignored "-Wpsabi"

#include <stdint.h>
#include <string.h>
#include "sw_compat.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef float floatv4 __attribute__((vector_size(16)));
typedef double doublev4 __attribute__((vector_size(32)));
typedef int intv8 __attribute__((vector_size(32)));
typedef float floatv8 __attribute__((vector_size(32)));
typedef double doublev8 __attribute__((vector_size(64)));
typedef int intv16 __attribute__((vector_size(64)));
typedef _Float16 float16v32 __attribute__((vector_size(64)));
#if defined(__sw_slave__)
typedef _Float16 float16; /* CPE scalar half; the MPE has no fp16 (its float16 is a short) */
#endif

void sunway_emu_fail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

#define SW_EMU_CHECK_ALIGN(addr, bytes, api)                                                   \
    do {                                                                                       \
        if (__builtin_expect(((uintptr_t)(addr) & ((bytes) - 1)) != 0, 0))                     \
            sunway_emu_fail("%s at %p: not %u-byte aligned (use the unaligned form)", api,     \
                            (const void *)(addr), (unsigned)(bytes));                          \
    } while (0)

#define simd_load(dest, src)                                                                   \
    __extension__({                                                                            \
        SW_EMU_CHECK_ALIGN((src), sizeof(dest), "simd_load");                                  \
        memcpy(&(dest), (src), sizeof(dest));                                                  \
        (dest);                                                                                \
    })
#define simd_loadu(dest, src)                                                                  \
    __extension__({                                                                            \
        memcpy(&(dest), (src), sizeof(dest));                                                  \
        (dest);                                                                                \
    })
#define simd_store(src, dest)                                                                  \
    do {                                                                                       \
        __typeof__(src) sw_emu_v_ = (src);                                                     \
        SW_EMU_CHECK_ALIGN((dest), sizeof(sw_emu_v_), "simd_store");                           \
        memcpy((dest), &sw_emu_v_, sizeof(sw_emu_v_));                                         \
    } while (0)
#define simd_storeu(src, dest)                                                                 \
    do {                                                                                       \
        __typeof__(src) sw_emu_v_ = (src);                                                     \
        memcpy((dest), &sw_emu_v_, sizeof(sw_emu_v_));                                         \
    } while (0)

/* a * b + c for any of the float vector types; counts 2 flops per lane at the element width. */
#define simd_vmas(a, b, c)                                                                     \
    __extension__({                                                                            \
        __typeof__(a) sw_emu_a_ = (a);                                                         \
        sunway_emu_add_flops((int)sizeof(sw_emu_a_[0]),                                        \
                             2u * (sizeof(sw_emu_a_) / sizeof(sw_emu_a_[0])));                 \
        sw_emu_a_ * (b) + (c);                                                                 \
    })

static inline floatv4 simd_set_floatv4(float a, float b, float c, float d) {
    floatv4 v = {a, b, c, d};
    return v;
}
static inline doublev4 simd_set_doublev4(double a, double b, double c, double d) {
    doublev4 v = {a, b, c, d};
    return v;
}
static inline floatv8 simd_set_floatv8(float a, float b, float c, float d, float e, float f,
                                       float g, float h) {
    floatv8 v = {a, b, c, d, e, f, g, h};
    return v;
}
static inline doublev8 simd_set_doublev8(double a, double b, double c, double d, double e,
                                         double f, double g, double h) {
    doublev8 v = {a, b, c, d, e, f, g, h};
    return v;
}

/* ---- half precision (SW26010-Pro CPEs only) ---- */
static inline float16v32 simd_vcpyh(_Float16 x) {
    float16v32 v;
    for (int i = 0; i < 32; i++) v[i] = x;
    return v;
}
/* Macros rather than functions: gcc notes an ABI change for 64-byte vector PARAMETERS on every
 * such function, which would clutter every kernel build. */
#define SW_EMU_HALF_OP(a, b, op, count)                                                        \
    __extension__({                                                                            \
        float16v32 sw_emu_ha_ = (a), sw_emu_hb_ = (b);                                         \
        if (count) sunway_emu_add_flops(2, 32);                                                \
        sw_emu_ha_ op sw_emu_hb_;                                                              \
    })
#define simd_vaddh(a, b) SW_EMU_HALF_OP(a, b, +, 1)
#define simd_vsubh(a, b) SW_EMU_HALF_OP(a, b, -, 1)
#define simd_vmulh(a, b) SW_EMU_HALF_OP(a, b, *, 1)
#define SW_EMU_HALF_SEL(a, b, cmp)                                                             \
    __extension__({                                                                            \
        float16v32 sw_emu_ha_ = (a), sw_emu_hb_ = (b), sw_emu_hr_;                             \
        for (int sw_emu_i_ = 0; sw_emu_i_ < 32; sw_emu_i_++)                                   \
            sw_emu_hr_[sw_emu_i_] = sw_emu_ha_[sw_emu_i_] cmp sw_emu_hb_[sw_emu_i_]            \
                                        ? sw_emu_ha_[sw_emu_i_] : sw_emu_hb_[sw_emu_i_];       \
        sw_emu_hr_;                                                                            \
    })
#define simd_smaxh(a, b) SW_EMU_HALF_SEL(a, b, >)
#define simd_sminh(a, b) SW_EMU_HALF_SEL(a, b, <)

/*
 * f32 <-> f16 conversion. The hardware's lane placement for vfcvtsh/vfcvths is not public (public
 * code shuffles the result with simd_vshfh masks), so the EMULATOR defines it: part `sel` (0..3)
 * of the float16v32 holds the 8 values (lanes 8*sel .. 8*sel+7), other lanes are 0. Portable
 * kernels convert with scalar casts ((_Float16)x, (float)h), which mean the same on both.
 */
static inline float16v32 simd_vfcvtsh(floatv8 a, const int sel) {
    float16v32 r = simd_vcpyh((_Float16)0.0f);
    for (int i = 0; i < 8; i++) r[8 * (sel & 3) + i] = (_Float16)a[i];
    return r;
}
#define simd_vfcvths(a, sel)                                                                   \
    __extension__({                                                                            \
        float16v32 sw_emu_h_ = (a);                                                            \
        floatv8 sw_emu_r_;                                                                     \
        for (int sw_emu_i_ = 0; sw_emu_i_ < 8; sw_emu_i_++)                                    \
            sw_emu_r_[sw_emu_i_] = (float)sw_emu_h_[8 * ((sel) & 3) + sw_emu_i_];             \
        sw_emu_r_;                                                                             \
    })

#ifdef __cplusplus
}
#endif

#endif /* GLM_SW_EMU_SIMD_H */
