/*
 * crts.h — glm-sdk's emulator subset of the SW26010-Pro CRTS API (both halves).
 *
 * Written fresh from the API as listed in shared/spec/sunway.md §2 (names, argument order —
 * DESTINATION FIRST —, reply types); no Sunway header was copied. On a real Sunway node the
 * toolchain's own crts.h is used instead: drop -I backends/sunway/emulator/include there.
 *
 * Halves: CPE (slave) files are compiled with -D__sw_slave__ (swgcc -mslave defines it); anything
 * else is the MPE (host) half. How kernels must be written for the emulator: ../README.md.
 */
#ifndef GLM_SW_EMU_CRTS_H
#define GLM_SW_EMU_CRTS_H

#if defined(__sw_64__)
#error "emulator crts.h included on a real Sunway build: use the toolchain's crts.h"
#endif

#if !defined(__sw_slave__) && !defined(__sw_host__)
#define __sw_host__ 1
#endif

#include <stddef.h>
#include <stdint.h>
#include "sw_compat.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ common to both halves */

/* Run-time chip (GLM_SUNWAY_CHIP): these are constants on the real toolchain. */
#define CRTS_MAX_MPE_NUM (sunway_emu_cg_count())
#define CRTS_MAX_SPE_NUM 64
#define CRTS_MAX_LDM_SIZE (sunway_emu_max_ldm_size())

/* Reply words: 32-bit on the CPE for crts_rply_t, 64-bit for athread_rply_t (crts2ath.h). The DMA
 * and RMA macros below take the width from sizeof(*reply), so both work. */
typedef volatile long athread_rply_t;
#if defined(__sw_slave__)
typedef volatile int crts_rply_t;
#else
typedef volatile long crts_rply_t;
#endif

/* Directions and scopes of the emulator's transfer entry points. */
enum { SW_EMU_GET = 0, SW_EMU_PUT = 1 };
enum { SW_EMU_ROW = 1, SW_EMU_COL = 2, SW_EMU_ARRAY = 3 };

/* Fail the running spawn (CPE side) or record an error (host side); the message gets the kernel
 * name and CPE prepended. Used by the headers' checks; kernels may call it for their own. */
void sunway_emu_fail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* ------------------------------------------------------------------ CPE (slave) half */
#if defined(__sw_slave__)

/* Identity of the running CPE: _PEN 0..63, _ROW = _PEN / 8, _COL = _PEN % 8, _CGN core group. */
int sunway_emu_tid(void);
int sunway_emu_cgn(void);
#define CRTS_tid (sunway_emu_tid())
#define CRTS_rid (sunway_emu_tid() >> 3)
#define CRTS_cid (sunway_emu_tid() & 7)
#define CRTS_cgn (sunway_emu_cgn())
#define _PEN CRTS_tid
#define _ROW CRTS_rid
#define _COL CRTS_cid
#define _CGN CRTS_cgn
#define _MYID CRTS_tid /* SW26010 spelling */

/* LDM storage classes. __thread_local data is per-thread (one copy per emulated CPE) and its size
 * (the PT_TLS segment of the kernel's module) is charged to every CPE's LDM at spawn. */
#define __thread_local __thread
#define __thread_local_fix __thread
#define __uncached
#define __cross

/* LDM heap: 64-byte aligned, charged against the budget; past it the spawn fails naming kernel,
 * CPE and bytes. Free what you allocate before returning (a kernel that returns with LDM still
 * allocated fails: on the chip the heap is not reset between spawns). */
void *sunway_emu_ldm_malloc(size_t size, const char *api);
void sunway_emu_ldm_free(void *addr, size_t size);
size_t sunway_emu_ldm_allocatable(void);
void *sunway_emu_ldm_malloc_max(size_t *size);
#define ldm_malloc(size) sunway_emu_ldm_malloc((size), "ldm_malloc")
#define CRTS_pldm_malloc(size) sunway_emu_ldm_malloc((size), "CRTS_pldm_malloc")
#define ldm_free(addr, size) sunway_emu_ldm_free((addr), (size))
#define CRTS_pldm_free(addr, size) sunway_emu_ldm_free((addr), (size))
#define ldm_malloc_max(psize) sunway_emu_ldm_malloc_max(psize)
#define get_allocatable_size() sunway_emu_ldm_allocatable()

/* DMA between this CPE's LDM and main memory. `mem` must be a main-memory (tagged) pointer,
 * `ldm` must lie in this CPE's LDM; len (and bsize) < 256 KiB; reply words must lie in LDM.
 * Non-blocking transfers complete when their reply word is waited on (wait_value), at
 * CRTS_dma_barrier / ssync, or at kernel end — so reading a buffer before waiting sees stale data,
 * as on the chip. */
void sunway_emu_dma(int op, int blocking, void *ldm, const void *mem, size_t len, size_t bsize,
                    size_t stride, volatile void *rply, size_t rply_bytes, const char *api);
void sunway_emu_dma_bcast(int scope, void *ldm, const void *mem, size_t len, size_t bsize,
                          size_t stride, volatile void *rply, size_t rply_bytes, const char *api);
void sunway_emu_wait_value(volatile void *rply, size_t rply_bytes, long n, const char *api);
void sunway_emu_dma_barrier(void);

#define CRTS_dma_get(ldm, mem, len) \
    sunway_emu_dma(SW_EMU_GET, 1, (ldm), (mem), (len), 0, 0, NULL, 0, "CRTS_dma_get")
#define CRTS_dma_put(mem, ldm, len) \
    sunway_emu_dma(SW_EMU_PUT, 1, (ldm), (mem), (len), 0, 0, NULL, 0, "CRTS_dma_put")
#define CRTS_dma_get_stride(ldm, mem, len, bsize, stride) \
    sunway_emu_dma(SW_EMU_GET, 1, (ldm), (mem), (len), (bsize), (stride), NULL, 0, \
                   "CRTS_dma_get_stride")
#define CRTS_dma_put_stride(mem, ldm, len, bsize, stride) \
    sunway_emu_dma(SW_EMU_PUT, 1, (ldm), (mem), (len), (bsize), (stride), NULL, 0, \
                   "CRTS_dma_put_stride")
#define CRTS_dma_iget(ldm, mem, len, rply) \
    sunway_emu_dma(SW_EMU_GET, 0, (ldm), (mem), (len), 0, 0, (rply), sizeof(*(rply)), \
                   "CRTS_dma_iget")
#define CRTS_dma_iput(mem, ldm, len, rply) \
    sunway_emu_dma(SW_EMU_PUT, 0, (ldm), (mem), (len), 0, 0, (rply), sizeof(*(rply)), \
                   "CRTS_dma_iput")
/* Strided: `bsize` contiguous bytes of main memory, then `stride` bytes skipped, until `len`
 * bytes have moved; the LDM side is contiguous. */
#define CRTS_dma_iget_stride(ldm, mem, len, bsize, stride, rply) \
    sunway_emu_dma(SW_EMU_GET, 0, (ldm), (mem), (len), (bsize), (stride), (rply), \
                   sizeof(*(rply)), "CRTS_dma_iget_stride")
#define CRTS_dma_iput_stride(mem, ldm, len, bsize, stride, rply) \
    sunway_emu_dma(SW_EMU_PUT, 0, (ldm), (mem), (len), (bsize), (stride), (rply), \
                   sizeof(*(rply)), "CRTS_dma_iput_stride")
/* Reply words are cumulative counters the caller zeroes; wait until *rply >= n. */
#define CRTS_dma_wait_value(rply, n) \
    sunway_emu_wait_value((rply), sizeof(*(rply)), (long)(n), "CRTS_dma_wait_value")
#define CRTS_dma_barrier() sunway_emu_dma_barrier()

/* DMA broadcasts, issued by ONE CPE: the data lands at the same LDM address in every CPE of the
 * issuer's row (column), the issuer included, and each receiver's reply word at the same LDM
 * address is incremented (so the reply must be ldm_malloc'ed / SW_LDM_ARRAY / __thread_local). */
#define CRTS_dma_row_ibcast(ldm, mem, len, rply) \
    sunway_emu_dma_bcast(SW_EMU_ROW, (ldm), (mem), (len), 0, 0, (rply), sizeof(*(rply)), \
                         "CRTS_dma_row_ibcast")
#define CRTS_dma_col_ibcast(ldm, mem, len, rply) \
    sunway_emu_dma_bcast(SW_EMU_COL, (ldm), (mem), (len), 0, 0, (rply), sizeof(*(rply)), \
                         "CRTS_dma_col_ibcast")
#define CRTS_dma_row_ibcast_stride(ldm, mem, len, bsize, stride, rply) \
    sunway_emu_dma_bcast(SW_EMU_ROW, (ldm), (mem), (len), (bsize), (stride), (rply), \
                         sizeof(*(rply)), "CRTS_dma_row_ibcast_stride")
#define CRTS_dma_col_ibcast_stride(ldm, mem, len, bsize, stride, rply) \
    sunway_emu_dma_bcast(SW_EMU_COL, (ldm), (mem), (len), (bsize), (stride), (rply), \
                         sizeof(*(rply)), "CRTS_dma_col_ibcast_stride")

/* RMA: LDM to LDM across the mesh. Remote addresses are LDM addresses of THIS CPE's layout, taken
 * at the same place in the target CPE (allocate LDM in the same order on every CPE). */
void sunway_emu_rma(int op, void *laddr, volatile void *lrply, size_t lrply_bytes, size_t len,
                    int rtid, void *raddr, volatile void *rrply, size_t rrply_bytes,
                    const char *api);
void sunway_emu_rma_bcast(int scope, void *dst, const void *src, size_t len, volatile void *lrply,
                          size_t lrply_bytes, volatile void *rrply, size_t rrply_bytes,
                          const char *api);
/* Point to point: iput sends len bytes at laddr to raddr of CPE rtid (same CG); iget fetches
 * them. l_rply counts local completion, r_rply (an address in the remote CPE) remote completion. */
#define CRTS_rma_iput(laddr, lrply, len, rtid, raddr, rrply) \
    sunway_emu_rma(SW_EMU_PUT, (laddr), (lrply), sizeof(*(lrply)), (len), (rtid), (raddr), \
                   (rrply), sizeof(*(rrply)), "CRTS_rma_iput")
#define CRTS_rma_iget(laddr, lrply, len, rtid, raddr, rrply) \
    sunway_emu_rma(SW_EMU_GET, (laddr), (lrply), sizeof(*(lrply)), (len), (rtid), (raddr), \
                   (rrply), sizeof(*(rrply)), "CRTS_rma_iget")
#define CRTS_rma_put(laddr, len, rtid, raddr, rrply) \
    sunway_emu_rma(SW_EMU_PUT, (laddr), NULL, 0, (len), (rtid), (raddr), (rrply), \
                   sizeof(*(rrply)), "CRTS_rma_put")
#define CRTS_rma_get(laddr, len, rtid, raddr, rrply) \
    sunway_emu_rma(SW_EMU_GET, (laddr), NULL, 0, (len), (rtid), (raddr), (rrply), \
                   sizeof(*(rrply)), "CRTS_rma_get")
/* Row (column) broadcast from this CPE's src to dst in every CPE of its row (column), the
 * initiator INCLUDED; l_rply counts the send here, r_rply (same address everywhere) the arrival. */
#define CRTS_rma_row_ibcast(dst, src, len, lrply, rrply) \
    sunway_emu_rma_bcast(SW_EMU_ROW, (dst), (src), (len), (lrply), sizeof(*(lrply)), (rrply), \
                         sizeof(*(rrply)), "CRTS_rma_row_ibcast")
#define CRTS_rma_col_ibcast(dst, src, len, lrply, rrply) \
    sunway_emu_rma_bcast(SW_EMU_COL, (dst), (src), (len), (lrply), sizeof(*(lrply)), (rrply), \
                         sizeof(*(rrply)), "CRTS_rma_col_ibcast")
/* RMA is SW26010-Pro only: on SW26010 every CRTS_rma_* call (the wait included) fails the spawn. */
void sunway_emu_rma_wait_value(volatile void *rply, size_t rply_bytes, long n, const char *api);
#define CRTS_rma_wait_value(rply, n) \
    sunway_emu_rma_wait_value((rply), sizeof(*(rply)), (long)(n), "CRTS_rma_wait_value")

/* Barriers over the CG's array / this CPE's row / column. ssync also completes this CPE's
 * outstanding DMA (it "only syncs DMA/RMA operations, not ld/st"). */
void sunway_emu_ssync(int scope);
#define CRTS_ssync_array() sunway_emu_ssync(SW_EMU_ARRAY)
#define CRTS_ssync_row() sunway_emu_ssync(SW_EMU_ROW)
#define CRTS_ssync_col() sunway_emu_ssync(SW_EMU_COL)

/* SW26010 register communication (the chip's putr/putc/getr/getc instructions, wrapped as public
 * SW26010 codes wrap them; on SW26010-Pro, which has none, every call fails the spawn). A word is
 * 256 bits: `var` is a value of at most 32 bytes (floatv4, doublev4, intv8, a scalar).
 *   REG_PUTR(var, dst_col)  send to the CPE in column dst_col of this row; 8 = every other CPE
 *   REG_PUTC(var, dst_row)  send to the CPE in row dst_row of this column; 8 = every other CPE
 *   REG_GETR(var) / REG_GETC(var)  take the oldest word of this CPE's row / column receive buffer
 * Buffers are bounded FIFOs (4 words assumed): puts block while the target's is full, gets while
 * this CPE's is empty. Bytes count as RMA bytes in the stats (see src/regcomm.c). */
void sunway_emu_reg_put(int scope, const void *var, size_t bytes, int dst, const char *api);
void sunway_emu_reg_get(int scope, void *var, size_t bytes, const char *api);
#define SW_EMU_REG_PUT_(scope, var, dst, api) \
    do { \
        __typeof__(var) sw_emu_reg_v_ = (var); \
        sunway_emu_reg_put((scope), &sw_emu_reg_v_, sizeof sw_emu_reg_v_, (dst), (api)); \
    } while (0)
#define REG_PUTR(var, dst) SW_EMU_REG_PUT_(SW_EMU_ROW, var, dst, "REG_PUTR")
#define REG_PUTC(var, dst) SW_EMU_REG_PUT_(SW_EMU_COL, var, dst, "REG_PUTC")
#define REG_GETR(var) sunway_emu_reg_get(SW_EMU_ROW, &(var), sizeof(var), "REG_GETR")
#define REG_GETC(var) sunway_emu_reg_get(SW_EMU_COL, &(var), sizeof(var), "REG_GETC")

/* athread_syn(scope, mask): barrier over this CPE's row (ROW_SCOPE, mask 0xff), column (COL_SCOPE,
 * 0xff) or the whole array (ARRAY_SCOPE, 0xffff); partial masks are refused (not modelled). Unlike
 * CRTS_ssync_*, it does not complete outstanding DMA. */
void sunway_emu_syn(int scope, unsigned mask);
#ifndef ROW_SCOPE
#define ROW_SCOPE SW_EMU_ROW
#define COL_SCOPE SW_EMU_COL
#define ARRAY_SCOPE SW_EMU_ARRAY
#endif
#define athread_syn(scope, mask) sunway_emu_syn((scope), (unsigned)(mask))

/* athread_* spellings used by SWOPS (same arguments). */
#define athread_dma_get CRTS_dma_get
#define athread_dma_put CRTS_dma_put
#define athread_dma_iget CRTS_dma_iget
#define athread_dma_iput CRTS_dma_iput
#define athread_dma_iget_stride CRTS_dma_iget_stride
#define athread_dma_iput_stride CRTS_dma_iput_stride
#define athread_dma_wait_value CRTS_dma_wait_value
#define athread_dma_barrier CRTS_dma_barrier
#define athread_dma_row_ibcast CRTS_dma_row_ibcast
#define athread_dma_col_ibcast CRTS_dma_col_ibcast
#define athread_rma_iget CRTS_rma_iget
#define athread_rma_iput CRTS_rma_iput
#define athread_rma_row_ibcast CRTS_rma_row_ibcast
#define athread_rma_col_ibcast CRTS_rma_col_ibcast
#define athread_rma_wait_value CRTS_rma_wait_value
#define athread_ssync_array CRTS_ssync_array
#define athread_ssync_row CRTS_ssync_row
#define athread_ssync_col CRTS_ssync_col

#endif /* __sw_slave__ */

#ifdef __cplusplus
}
#endif

/* The CRTS declarations are complete: sw_compat.h's mesh-sharing API (which calls them) may follow. */
#define GLM_SW_CRTS_READY 1
#include "sw_compat.h"

/* ------------------------------------------------------------------ MPE (host) half */
#if !defined(__sw_slave__)
#include "athread.h"
#endif

#endif /* GLM_SW_EMU_CRTS_H */
