/*
 * cpe.h — what every CPE kernel includes: the CRTS headers, the argument structs, this CPE's place
 * among the spawn's workers, and the DMA helpers (dma.c) that every access to main memory goes
 * through. Kernels never dereference a main-memory pointer (the emulator faults if they do; on the
 * chip it would be a slow gld/gst).
 */
#ifndef GLM_SW_CPE_H
#define GLM_SW_CPE_H

#include <crts.h>
#include <simd.h>
#include <sw_compat.h> /* after crts.h: the mesh broadcasts (sw_row_bcast / sw_col_bcast) need it */
#include <stddef.h>
#include <stdint.h>

#include "args.h"
#include "dtype.h"

/* This CPE's index among the cgs x 64 CPEs of the spawn (cgs = 1: one core group). The core groups
 * take turns (worker w is in core group w % cgs), so a few items spread over all of them and each core
 * group's memory controller serves its share. */
static inline int sw_worker(const sw_common *c) { return CRTS_tid * c->cgs + CRTS_cgn; }
static inline int sw_workers(const sw_common *c) { return c->cgs * SW_CPES_PER_CG; }

/* Worker w's contiguous share [*begin, *end) of n items: sizes differ by at most one. */
static inline void sw_share(int64_t n, int w, int workers, int64_t *begin, int64_t *end) {
    const int64_t base = n / workers, extra = n % workers;
    *begin = w * base + (w < extra ? w : extra);
    *end = *begin + base + (w < extra ? 1 : 0);
}

/* Fetch a kernel's argument struct (the spawn argument is main memory). */
#define SW_ARGS(type, name, arg) \
    type name;                   \
    CRTS_dma_get(&name, (arg), sizeof name)

/* Blocking DMA of contiguous bytes; any length (split under the 18-bit size field). */
void sw_get(void *ldm, const void *mem, size_t bytes);
void sw_put(void *mem, const void *ldm, size_t bytes);

/* `count` elements of `es` bytes, `stride` elements apart in main memory, to or from contiguous
 * LDM: one strided DMA (a stride of 0 reads one element and repeats it in LDM). */
void sw_get_elems(void *ldm, const void *mem, int64_t count, int es, int64_t stride);
void sw_put_elems(void *mem, const void *ldm, int64_t count, int es, int64_t stride);

/* Elements of `dtype` into f32 LDM (converted in place: the raw data is fetched into the buffer's
 * tail), and f32 LDM out as `dtype` (converted in place, so `buf` is clobbered). */
void sw_get_f32(float *buf, const void *mem, int64_t count, int dtype, int64_t stride);
void sw_put_f32(void *mem, float *buf, int64_t count, int dtype, int64_t stride);

/* One i32 from main memory (an offset, a length). */
int32_t sw_get_i32(const int32_t *mem);

/* Raise the device's error flag: tag + 1, the failing record (many CPEs may write the same value). */
void sw_raise(const sw_common *c);

/* Bytes of LDM a kernel may still allocate (the budget minus what is in use). */
static inline size_t sw_ldm_free(void) { return get_allocatable_size(); }

#endif /* GLM_SW_CPE_H */
