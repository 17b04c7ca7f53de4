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

/* ------------------------------------------------------------------------------------------------
 * Mesh sharing: row / column broadcast of an LDM block — the only way kernels share operands across
 * the 8 x 8 mesh. Outside the include guard above because it calls the CRTS API: the emulator's
 * crts.h includes this file again once its declarations are complete (GLM_SW_CRTS_READY); on a
 * real node cpe.h includes it after the toolchain's crts.h.
 *
 *   sw_row_bcast(dst, src, len, root, sent, got)   over this CPE's row, from the CPE in column root
 *   sw_col_bcast(dst, src, len, root, sent, got)   over this CPE's column, from the CPE in row root
 *   sw_mesh_wait(reply, n)                         wait until *reply >= n
 *
 * COLLECTIVE: every CPE of the row (column) calls it, at the same point of its program, with the same
 * len and root. The root's LDM block src (len bytes) lands at dst — the same LDM address on every CPE
 * of the row (column), the root included (allocate LDM in the same order everywhere). Reply words
 * (crts_rply_t in LDM, at the same place on every CPE, zeroed by the kernel): *got is bumped once
 * on every CPE when the block has landed there, *sent once at the root when src may be reused.
 *
 *   SW26010-Pro: one CRTS_rma_row_ibcast / CRTS_rma_col_ibcast at the root; the other CPEs return at
 *                once and the data lands while they go on (wait on *got before reading dst).
 *   SW26010:     register communication, synchronous: the root sends the block as 256-bit words
 *                with REG_PUTR(w, 8) / REG_PUTC(w, 8) (a ragged tail zero-padded) and copies it to
 *                its own dst; every other CPE takes the words with REG_GETR / REG_GETC. On return the
 *                block is in dst and the reply words are bumped, so sw_mesh_wait returns at once.
 *                The root blocks while a receiver's buffer is full, hence the collective call.
 * ---------------------------------------------------------------------------------------------- */
#if defined(__sw_slave__) && (defined(__sw_64__) || defined(GLM_SW_CRTS_READY)) && \
    !defined(GLM_SW_COMPAT_MESH_H)
#define GLM_SW_COMPAT_MESH_H
#include <string.h>

#if defined(GLM_SW_TARGET_SW26010)
#  if defined(__sw_64__)
/* The chip's register-communication instructions (as public SW26010 codes spell them). */
#    define REG_PUTR(var, dst) __asm__ __volatile__("putr %0,%1\n" ::"r"(var), "r"(dst) : "memory")
#    define REG_PUTC(var, dst) __asm__ __volatile__("putc %0,%1\n" ::"r"(var), "r"(dst) : "memory")
#    define REG_GETR(var) __asm__ __volatile__("getr %0\n" : "=r"(var)::"memory")
#    define REG_GETC(var) __asm__ __volatile__("getc %0\n" : "=r"(var)::"memory")
#  endif
#  if defined(__sw_64__)
#    include <simd.h>
#  else
#    include "simd.h"
#  endif
typedef doublev4 sw_reg_word; /* one 256-bit register */

static inline void sw_reg_bcast_(int row, void *dst, const void *src, size_t len, int is_root) {
    const size_t W = sizeof(sw_reg_word), full = len / W, tail = len % W;
    sw_reg_word w;
    if (is_root) {
        for (size_t i = 0; i < full; i++) {
            memcpy(&w, (const char *)src + i * W, W);
            if (row) REG_PUTR(w, 8);
            else REG_PUTC(w, 8);
        }
        if (tail) {
            memset(&w, 0, W);
            memcpy(&w, (const char *)src + full * W, tail);
            if (row) REG_PUTR(w, 8);
            else REG_PUTC(w, 8);
        }
        if (dst != src) memmove(dst, src, len);
        return;
    }
    for (size_t i = 0; i < full + (tail ? 1 : 0); i++) {
        if (row) REG_GETR(w);
        else REG_GETC(w);
        memcpy((char *)dst + i * W, &w, i < full ? W : tail);
    }
}

static inline void sw_row_bcast(void *dst, const void *src, size_t len, int root,
                                crts_rply_t *sent, crts_rply_t *got) {
    const int is_root = CRTS_cid == root;
    sw_reg_bcast_(1, dst, src, len, is_root);
    if (is_root) (*sent)++;
    (*got)++;
}
static inline void sw_col_bcast(void *dst, const void *src, size_t len, int root,
                                crts_rply_t *sent, crts_rply_t *got) {
    const int is_root = CRTS_rid == root;
    sw_reg_bcast_(0, dst, src, len, is_root);
    if (is_root) (*sent)++;
    (*got)++;
}
/* Register communication is synchronous: a reply word below n here is a kernel bug. */
#  if defined(__sw_64__)
#    define sw_mesh_wait(rply, n) do { while (*(rply) < (n)) { } } while (0)
#  else
#    define sw_mesh_wait(rply, n) \
        do { if (*(rply) < (n)) sunway_emu_fail("sw_mesh_wait: reply word %ld < %ld after a " \
             "synchronous register-communication broadcast", (long)*(rply), (long)(n)); } while (0)
#  endif

#else /* SW26010-Pro: RMA */
static inline void sw_row_bcast(void *dst, const void *src, size_t len, int root,
                                crts_rply_t *sent, crts_rply_t *got) {
    if (CRTS_cid == root) CRTS_rma_row_ibcast(dst, src, len, sent, got);
}
static inline void sw_col_bcast(void *dst, const void *src, size_t len, int root,
                                crts_rply_t *sent, crts_rply_t *got) {
    if (CRTS_rid == root) CRTS_rma_col_ibcast(dst, src, len, sent, got);
}
#  define sw_mesh_wait(rply, n) CRTS_rma_wait_value((rply), (n))
#endif

#endif /* mesh sharing */
