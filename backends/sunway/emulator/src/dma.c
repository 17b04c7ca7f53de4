/*
 * dma.c — DMA between a CPE's LDM and main memory, and waiting on reply words.
 *
 * Checks every transfer the way the descriptor constrains it on the chip (shared/spec/sunway.md
 * §2): length and block size < 256 KiB (18-bit fields), the LDM side inside this CPE's LDM, the
 * main-memory side a tagged main-memory pointer, reply words in LDM. Blocking transfers copy at
 * once; non-blocking ones are queued and copied when their reply word is waited on (or at a
 * barrier / kernel end), so a kernel that reads its buffer before waiting reads stale data here,
 * as it may on the chip.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../include/crts.h"
#include "emu.h"

static void dma_check(emu_cpe_t *c, void *ldm, const void *mem, size_t len, size_t bsize,
                      size_t stride, const char *api) {
    char msg[512];
    if (len > EMU_DMA_MAX) {
        snprintf(msg, sizeof msg, "%s: length %zu bytes is >= 256 KiB (the DMA size field has 18 "
                 "bits); split the transfer", api, len);
        emu_fail_self(msg);
    }
    if (bsize > EMU_DMA_MAX) {
        snprintf(msg, sizeof msg, "%s: block size %zu bytes is >= 256 KiB (18-bit field)", api,
                 bsize);
        emu_fail_self(msg);
    }
    if (!sunway_emu_is_main_ptr(mem)) {
        snprintf(msg, sizeof msg, "%s: main-memory operand %p is not a main-memory pointer (the "
                 "host passes main memory through sunway_emu_main_ptr)", api, mem);
        emu_fail_self(msg);
    }
    emu_ldm_check_local(c, ldm, len, api, "LDM operand");
    emu_main_check(mem, len, bsize, stride, api);
}

/* Copy `len` bytes between contiguous LDM and main memory read/written as blocks of `bsize` with
 * `stride` bytes skipped after each (bsize 0: contiguous). Returns the number of blocks. */
/* A fault-injection point (inject.c): the armed DMA fails this CPE's spawn before it moves a byte. */
static void dma_inject(const char *api) {
    if (!sunway_emu_fault_hit(3)) return;
    char msg[160];
    snprintf(msg, sizeof msg, "%s: the DMA transfer failed (injected: GLM_FAULT dma #%ld)", api, sunway_emu_fault_fired_at(3));
    emu_fail_self(msg);
}

static uint64_t dma_copy(int op, unsigned char *ldm, unsigned char *mem, size_t len, size_t bsize,
                         size_t stride) {
    size_t block = bsize ? bsize : len, done = 0;
    uint64_t blocks = 0;
    while (done < len) {
        size_t n = len - done < block ? len - done : block;
        if (op == SW_EMU_GET) memcpy(ldm + done, mem, n);
        else memcpy(mem, ldm + done, n);
        done += n;
        mem += n + (bsize ? stride : 0);
        blocks++;
    }
    return blocks ? blocks : 1;
}

static void dma_count(emu_cpe_t *c, int op, size_t len, size_t bsize) {
    size_t block = bsize ? bsize : (len ? len : 1);
    c->c.dma_blocks += len ? (len + block - 1) / block : 1;
    if (op == SW_EMU_GET) {
        c->c.dma_get_bytes += len;
        c->c.dma_get_ops++;
    } else {
        c->c.dma_put_bytes += len;
        c->c.dma_put_ops++;
    }
}

static void dma_run(const emu_dma_op_t *d) {
    dma_copy(d->op, d->ldm, d->mem, d->len, d->bsize, d->stride);
    if (d->rply) emu_reply_add(d->rply, d->rply_bytes);
}

void emu_dma_complete_all(emu_cpe_t *c) {
    for (int i = 0; i < c->npending; i++) dma_run(&c->pending[i]);
    c->npending = 0;
}

/* Complete, in issue order, the queued transfers that report to reply word `r`. */
static void dma_complete_reply(emu_cpe_t *c, volatile void *r) {
    int keep = 0;
    for (int i = 0; i < c->npending; i++) {
        if (c->pending[i].rply == r) dma_run(&c->pending[i]);
        else c->pending[keep++] = c->pending[i];
    }
    c->npending = keep;
}

void sunway_emu_dma(int op, int blocking, void *ldm, const void *mem, size_t len, size_t bsize,
                    size_t stride, volatile void *rply, size_t rply_bytes, const char *api) {
    emu_cpe_t *c = emu_require_cpe(api);
    dma_check(c, ldm, mem, len, bsize, stride, api);
    if (rply) emu_reply_check(c, rply, rply_bytes, api);
    dma_inject(api);
    dma_count(c, op, len, bsize);
    emu_dma_op_t d = {op, ldm, sunway_emu_host_ptr(mem), len, bsize, stride, rply, rply_bytes};
    if (blocking || !rply) {
        dma_run(&d);
        return;
    }
    if (c->npending == EMU_MAX_PENDING) emu_dma_complete_all(c); /* queue full: drain in order */
    c->pending[c->npending++] = d;
}

void sunway_emu_dma_bcast(int scope, void *ldm, const void *mem, size_t len, size_t bsize,
                          size_t stride, volatile void *rply, size_t rply_bytes,
                          const char *api) {
    emu_cpe_t *c = emu_require_cpe(api);
    dma_check(c, ldm, mem, len, bsize, stride, api);
    dma_inject(api);
    emu_reply_check(c, rply, rply_bytes, api);
    dma_count(c, SW_EMU_GET, len, bsize);
    c->c.dma_bcast_bytes += len;
    unsigned char *src = sunway_emu_host_ptr(mem);
    for (int k = 0; k < 8; k++) {
        int t = scope == SW_EMU_ROW ? (c->tid & ~7) + k : (c->tid & 7) + 8 * k;
        emu_cpe_t *to = emu_cpe_at(c->cg, t);
        unsigned char *dst = emu_ldm_translate(c, to, ldm, len, api, "LDM destination");
        volatile void *r = emu_ldm_translate(c, to, (const void *)rply, rply_bytes, api,
                                             "reply word");
        dma_copy(SW_EMU_GET, dst, src, len, bsize, stride);
        if (to != c) __atomic_add_fetch(&to->c.rma_recv_bytes, len, __ATOMIC_RELAXED);
        emu_reply_add(r, rply_bytes);
    }
}

static uint64_t ms_since(const struct timespec *t0) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)(t.tv_sec - t0->tv_sec) * 1000u + (uint64_t)((t.tv_nsec - t0->tv_nsec) / 1000000);
}

void sunway_emu_wait_value(volatile void *rply, size_t rply_bytes, long n, const char *api) {
    emu_cpe_t *c = emu_require_cpe(api);
    emu_reply_check(c, rply, rply_bytes, api);
    c->c.waits++;
    dma_complete_reply(c, rply);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (unsigned spin = 0; emu_reply_load(rply, rply_bytes) < n; spin++) {
        if (emu_aborted()) emu_abort_self();
        /* Other CPEs' RMA may still land; give them the core. */
        sched_yield();
        if ((spin & 255) == 255 && ms_since(&t0) > (uint64_t)emu_chip()->wait_timeout_ms) {
            char msg[256];
            snprintf(msg, sizeof msg, "%s(%p, %ld): the reply word is still %ld after %ld ms; "
                     "nothing this CPE issued is pending on it (a missing transfer, or a "
                     "count off by one?)", api, (void *)rply, n,
                     emu_reply_load(rply, rply_bytes), emu_chip()->wait_timeout_ms);
            emu_fail_self(msg);
        }
    }
}

void sunway_emu_dma_barrier(void) {
    emu_cpe_t *c = emu_require_cpe("CRTS_dma_barrier");
    emu_dma_complete_all(c);
}
