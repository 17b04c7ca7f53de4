/*
 * rma.c — RMA: LDM-to-LDM transfers between CPEs of one core group. SW26010-Pro only: the SW26010
 * has no RMA (its CPEs share LDM data by register communication, regcomm.c), so every RMA call —
 * transfers and CRTS_rma_wait_value — fails the spawn there.
 *
 * A remote address is given as an address in the ISSUER's LDM layout and lands at the same place
 * of the target CPE (arena offset or __thread_local offset), which is why kernels allocate LDM in
 * the same order on every CPE. Transfers land at once; the target's reply word is bumped after
 * the data (release), so a CPE that waits on it sees the data.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "../include/crts.h"
#include "emu.h"

static void rma_require_pro(const char *api) {
    if (!emu_chip()->is_pro) {
        char msg[256];
        snprintf(msg, sizeof msg, "%s: RMA does not exist on SW26010 (use register communication: "
                 "REG_PUTR/REG_GETR, or sw_row_bcast/sw_col_bcast in sw_compat.h)", api);
        emu_fail_self(msg);
    }
}

void sunway_emu_rma_wait_value(volatile void *rply, size_t rply_bytes, long n, const char *api) {
    emu_require_cpe(api);
    rma_require_pro(api);
    sunway_emu_wait_value(rply, rply_bytes, n, api);
}

static void rma_len_check(size_t len, const char *api) {
    if (len > EMU_DMA_MAX) {
        char msg[256];
        snprintf(msg, sizeof msg, "%s: length %zu bytes is >= 256 KiB (18-bit size field)", api,
                 len);
        emu_fail_self(msg);
    }
}

void sunway_emu_rma(int op, void *laddr, volatile void *lrply, size_t lrply_bytes, size_t len,
                    int rtid, void *raddr, volatile void *rrply, size_t rrply_bytes,
                    const char *api) {
    emu_cpe_t *c = emu_require_cpe(api);
    char msg[256];
    rma_require_pro(api);
    rma_len_check(len, api);
    if (rtid < 0 || rtid >= EMU_CPES) {
        snprintf(msg, sizeof msg, "%s: target CPE %d is not in 0..63", api, rtid);
        emu_fail_self(msg);
    }
    emu_ldm_check_local(c, laddr, len, api, "local address");
    if (lrply) emu_reply_check(c, lrply, lrply_bytes, api);
    emu_reply_check(c, rrply, rrply_bytes, api);
    emu_cpe_t *to = emu_cpe_at(c->cg, rtid);
    unsigned char *remote = emu_ldm_translate(c, to, raddr, len, api, "remote address");
    volatile void *rr = emu_ldm_translate(c, to, (const void *)rrply, rrply_bytes, api,
                                          "remote reply word");
    if (op == SW_EMU_PUT) {
        memcpy(remote, laddr, len);
        if (to != c) __atomic_add_fetch(&to->c.rma_recv_bytes, len, __ATOMIC_RELAXED);
    } else {
        memcpy(laddr, remote, len);
        if (to != c) c->c.rma_recv_bytes += len;
    }
    c->c.rma_bytes += len;
    c->c.rma_ops++;
    emu_reply_add(rr, rrply_bytes);
    if (lrply) emu_reply_add(lrply, lrply_bytes);
}

void sunway_emu_rma_bcast(int scope, void *dst, const void *src, size_t len, volatile void *lrply,
                          size_t lrply_bytes, volatile void *rrply, size_t rrply_bytes,
                          const char *api) {
    emu_cpe_t *c = emu_require_cpe(api);
    rma_require_pro(api);
    rma_len_check(len, api);
    emu_ldm_check_local(c, src, len, api, "source");
    emu_reply_check(c, lrply, lrply_bytes, api);
    emu_reply_check(c, rrply, rrply_bytes, api);
    /* The issuer's own copy goes last, so a destination that overlaps the source in the
     * issuer's LDM is read by the others before it is overwritten. */
    for (int k = 1; k <= 8; k++) {
        int i = ((scope == SW_EMU_ROW ? c->tid & 7 : c->tid >> 3) + k) & 7;
        int t = scope == SW_EMU_ROW ? (c->tid & ~7) + i : (c->tid & 7) + 8 * i;
        emu_cpe_t *to = emu_cpe_at(c->cg, t);
        unsigned char *d = emu_ldm_translate(c, to, dst, len, api, "destination");
        volatile void *rr = emu_ldm_translate(c, to, (const void *)rrply, rrply_bytes, api,
                                              "remote reply word");
        memmove(d, src, len);
        if (to != c) __atomic_add_fetch(&to->c.rma_recv_bytes, len, __ATOMIC_RELAXED);
        emu_reply_add(rr, rrply_bytes);
    }
    c->c.rma_bytes += len;
    c->c.rma_ops++;
    emu_reply_add(lrply, lrply_bytes);
}
