/*
 * sw_compat.h — the one place where SW26010 and SW26010-Pro differ for our kernels, and where the
 * emulator build differs from a real swgcc build.
 *
 * Written fresh for glm-sdk (see ../README.md); the names kernels use from crts.h / athread.h / simd.h
 * follow the public SW26010-Pro API (../../../../../shared/spec/sunway.md §2). Everything here with
 * an `sw_` / `SW_` / `sunway_emu_` prefix is ours, not Sunway's.
 *
 * Real target:  swgcc defines __sw_64__ (and __sw_slave__ with -mslave, __sw_host__ with -mhost).
 *               Build kernels for the older chip with -DGLM_SW_TARGET_SW26010.
 * Emulator:     gcc; compile CPE files with -D__sw_slave__ (MPE/host files need nothing, host is the
 *               default half). The chip is chosen at RUN time (GLM_SUNWAY_CHIP), so anything that
 *               depends on it is a function call here, not a constant.
 */
#ifndef GLM_SW_COMPAT_H
#define GLM_SW_COMPAT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The logical CPE mesh is 8 x 8 on both chips: _ROW = tid / 8, _COL = tid % 8 (on Pro the physical
 * network is 4 x 4 mesh stops of 4 CPEs, but CRTS_rid/cid and row/column broadcasts are 8-wide). */
#define SW_CPES_PER_CG 64
#define SW_MESH_DIM 8

#if defined(__sw_64__)
/* ---------------- real Sunway: constants, identity pointers ---------------- */
#  if defined(GLM_SW_TARGET_SW26010)
#    define sw_chip_is_pro() 0
#    define sw_cg_count() 4
#  else
#    define sw_chip_is_pro() 1
#    define sw_cg_count() 6
#  endif
/* Usable LDM for ldm_malloc after stack, cache and shared LDM were reserved at job launch. */
#  define sw_ldm_budget() ((size_t)get_allocatable_size())
/* Main memory is directly addressable by the DMA engine: no tagging on hardware. */
#  define sunway_emu_main_ptr(p) ((void *)(p))
#  define sunway_emu_host_ptr(p) ((void *)(p))
/* Flop counters exist only in the emulator. */
#  define SW_FLOPS(n) ((void)0)
#  define SW_FLOPS_F16(n) ((void)0)
#  define SW_FLOPS_F64(n) ((void)0)

#else
/* ---------------- emulator ---------------- */

/* Chip variant chosen by GLM_SUNWAY_CHIP=SW26010|SW26010-Pro (default Pro). */
int sunway_emu_chip_is_pro(void);
int sunway_emu_cg_count(void);            /* 4 on SW26010, 6 on Pro */
size_t sunway_emu_max_ldm_size(void);     /* CRTS_MAX_LDM_SIZE: 64 KiB or 256 KiB */
size_t sunway_emu_ldm_budget(void);       /* usable bytes for ldm_malloc + __thread_local */
#  define sw_chip_is_pro() sunway_emu_chip_is_pro()
#  define sw_cg_count() sunway_emu_cg_count()
#  define sw_ldm_budget() sunway_emu_ldm_budget()

/*
 * Main-memory pointers given to CPE kernels are TAGGED: bit 54 set, which makes the address
 * non-canonical on x86-64 (and outside the 48-bit VA on AArch64 with top-byte-ignore), so a CPE that
 * dereferences one faults and the emulator reports "touched main memory without DMA". The DMA and
 * the host side untag. The spawn argument is tagged by the emulator itself; every pointer INSIDE
 * the argument struct must be tagged by the host with sunway_emu_main_ptr().
 */
#  define SW_EMU_MAIN_TAG ((uintptr_t)1 << 54)
/* Integer parameters: gcc would otherwise warn "may be used uninitialized" when the host tags a
 * buffer it has not written yet (an output). NULL stays NULL. */
static inline void *sunway_emu_tag_(uintptr_t p) {
    return p ? (void *)(p | SW_EMU_MAIN_TAG) : (void *)0;
}
#  define sunway_emu_main_ptr(p) sunway_emu_tag_((uintptr_t)(p))
#  define sunway_emu_host_ptr(p) ((void *)((uintptr_t)(p) & ~SW_EMU_MAIN_TAG))
#  define sunway_emu_is_main_ptr(p) (((uintptr_t)(p) & SW_EMU_MAIN_TAG) != 0)

/* Flop counting (per CPE, per spawn). The simd.h wrappers (simd_vmas, the half ops) count by
 * themselves; scalar arithmetic and vector OPERATORS (a * b + c written with + and *) are not seen
 * by the emulator: count them with these. */
void sunway_emu_add_flops(int elem_bytes, uint64_t n);
#  define SW_FLOPS(n) sunway_emu_add_flops(4, (uint64_t)(n))
#  define SW_FLOPS_F16(n) sunway_emu_add_flops(2, (uint64_t)(n))
#  define SW_FLOPS_F64(n) sunway_emu_add_flops(8, (uint64_t)(n))
/* Arena allocation behind SW_LDM_ARRAY (below). */
void *sunway_emu_ldm_fixed(size_t bytes, const char *what);
#endif

#ifdef __cplusplus
}
#endif

/* Fixed LDM arrays (see ../README.md "LDM"). gcc cannot place variables in the emulator's LDM arena,
 * so a kernel declares each fixed buffer at its entry:
 *     SW_LDM_ARRAY(float, a_tile, 2 * 64 * 64);
 * which gives `float *a_tile`. Emulator: carved from this CPE's arena, charged against the LDM
 * budget, released when the kernel returns. Real chip: a function-scope __thread_local array, so
 * `count` must be a compile-time constant (checked); run-time sizes go through ldm_malloc. */
#if defined(__sw_slave__)
#  if defined(__sw_64__)
#    define SW_LDM_ARRAY(type, name, count) \
        static __thread_local type name##__ldm[(count)] __attribute__((aligned(64))); \
        type *name = name##__ldm
#  else
/* The count must be a compile-time constant, as the chip's array needs one: checked here too. */
#    ifdef __cplusplus
#      define SW_EMU_STATIC_ASSERT(e, m) static_assert(e, m)
#    else
#      define SW_EMU_STATIC_ASSERT(e, m) _Static_assert(e, m)
#    endif
#    define SW_LDM_ARRAY(type, name, count) \
        SW_EMU_STATIC_ASSERT(__builtin_constant_p(count), \
                             "SW_LDM_ARRAY needs a compile-time count; use ldm_malloc for run-time sizes"); \
        type *name = (type *)sunway_emu_ldm_fixed(sizeof(type) * (size_t)(count), #name)
#  endif
#endif

/* Vector width for fp32 SIMD: 8 lanes (floatv8) on Pro, 4 (floatv4) on SW26010. This is a compile-
 * time choice (the emulator's run-time chip does not change it): build the kernels with
 * -DGLM_SW_TARGET_SW26010 for the older chip's code path. SW26010 has no fp16 at all; the emulator
 * fails a spawn on SW26010 that counted fp16 SIMD flops. */
#if defined(GLM_SW_TARGET_SW26010)
#  define SW_F32V floatv4
#  define SW_F32V_LANES 4
#else
#  define SW_F32V floatv8
#  define SW_F32V_LANES 8
#endif

#endif /* GLM_SW_COMPAT_H */
