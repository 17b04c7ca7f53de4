/*
 * regcomm.c — register communication (SW26010 only): putr/putc/getr/getc between CPEs of one row
 * or one column of a core group, and athread_syn.
 *
 * Written for glm-sdk from the API's public shape (the REG_PUTR/REG_PUTC/REG_GETR/REG_GETC wrappers
 * of putr/putc/getr/getc in realwzct/SWsnn my_slave.h, where a destination of 8 is a broadcast to
 * the rest of the row or column — the same repository's put_get_intv8); no Sunway code was copied.
 *
 * Model: every CPE has a ROW receive buffer (fed by putr from CPEs of its row) and a COLUMN receive
 * buffer (fed by putc from CPEs of its column). A word is 256 bits (a floatv4/doublev4 register;
 * smaller values travel zero-padded). Each buffer is a bounded FIFO of EMU_REG_DEPTH words, shared
 * by all senders of that direction (getr does not say who sent): a put blocks while the target's
 * buffer is full, a get while its own is empty. The depth is an ASSUMPTION (no public source gives
 * it): a kernel that is correct for depth 4 does not rely on buffering, since the sender blocks.
 * Waits poll like barriers: a peer that failed, a peer that returned from the kernel (it will never
 * get/put), and the wait timeout end the spawn with a message instead of a hang.
 *
 * Counting: register communication moves LDM data between CPEs as RMA does on Pro, so it is counted
 * in the RMA counters (rma_bytes: sent by this CPE, a broadcast once; rma_ops: puts; rma_recv_bytes:
 * landed here from another CPE), 32 bytes a word. The performance model charges them alike.
 *
 * On SW26010-Pro the calls are refused: that chip has no register communication (it has RMA).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../include/crts.h"
#include "emu.h"

#define EMU_REG_WORD 32
#define EMU_REG_DEPTH 4

typedef struct emu_regbuf {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int head, count;
    unsigned char words[EMU_REG_DEPTH][EMU_REG_WORD];
} emu_regbuf_t;

/* [cg][tid][0: row buffer, 1: column buffer] */
static emu_regbuf_t bufs[EMU_MAX_CGS][EMU_CPES][2];
static pthread_once_t bufs_once = PTHREAD_ONCE_INIT;

static void bufs_create(void) {
    for (int g = 0; g < EMU_MAX_CGS; g++)
        for (int t = 0; t < EMU_CPES; t++)
            for (int d = 0; d < 2; d++) {
                pthread_mutex_init(&bufs[g][t][d].mu, NULL);
                pthread_cond_init(&bufs[g][t][d].cv, NULL);
            }
}

void emu_regcomm_init(int cgs) {
    pthread_once(&bufs_once, bufs_create);
    for (int g = 0; g < cgs; g++)
        for (int t = 0; t < EMU_CPES; t++)
            for (int d = 0; d < 2; d++) bufs[g][t][d].head = bufs[g][t][d].count = 0;
}

static void require_sw26010(const char *api) {
    if (emu_chip()->is_pro) {
        char msg[256];
        snprintf(msg, sizeof msg, "%s: register communication does not exist on SW26010-Pro "
                 "(share LDM with RMA there: sw_row_bcast/sw_col_bcast in sw_compat.h)", api);
        emu_fail_self(msg);
    }
}

/* A put to `target` can never drain when the target returned from the kernel; a get can never be
 * fed when every other CPE of the row (column) returned. Returns such a CPE, or -1. */
static int peer_gone(emu_cpe_t *c, int row, int target) {
    if (target >= 0) return emu_cpe_at(c->cg, target)->done ? target : -1;
    int last = -1;
    for (int k = 0; k < 8; k++) {
        int t = row ? (c->tid & ~7) + k : (c->tid & 7) + 8 * k;
        if (t == c->tid) continue;
        if (!emu_cpe_at(c->cg, t)->done) return -1;
        last = t;
    }
    return last;
}

static void timed_wait(emu_regbuf_t *b, emu_cpe_t *c, const struct timespec *t0, int row,
                       int target, const char *api, const char *what) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += 20 * 1000000;
    if (until.tv_nsec >= 1000000000) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000;
    }
    if (pthread_cond_timedwait(&b->cv, &b->mu, &until) != ETIMEDOUT) return;
    char msg[256];
    msg[0] = 0;
    int t = peer_gone(c, row, target);
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long ms = (now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000;
    if (t >= 0)
        snprintf(msg, sizeof msg, "%s: %s, and CPE %d of the %s already returned from the kernel%s",
                 api, what, t, row ? "row" : "column", target >= 0 ? "" : " (as did all others)");
    else if (ms > emu_chip()->wait_timeout_ms)
        snprintf(msg, sizeof msg, "%s: %s after %ld ms", api, what, ms);
    if (emu_aborted() || msg[0]) {
        pthread_mutex_unlock(&b->mu);
        if (msg[0]) emu_fail_self(msg);
        emu_abort_self();
    }
}

static void put_one(emu_cpe_t *c, emu_cpe_t *to, int row, const unsigned char *w, const char *api) {
    emu_regbuf_t *b = &bufs[c->cg][to->tid][row ? 0 : 1];
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char what[96];
    snprintf(what, sizeof what, "the %s buffer of CPE %d stays full", row ? "row" : "column",
             to->tid);
    pthread_mutex_lock(&b->mu);
    while (b->count == EMU_REG_DEPTH) timed_wait(b, c, &t0, row, to->tid, api, what);
    memcpy(b->words[(b->head + b->count) % EMU_REG_DEPTH], w, EMU_REG_WORD);
    b->count++;
    pthread_cond_broadcast(&b->cv);
    pthread_mutex_unlock(&b->mu);
    __atomic_add_fetch(&to->c.rma_recv_bytes, EMU_REG_WORD, __ATOMIC_RELAXED);
}

void sunway_emu_reg_put(int scope, const void *var, size_t bytes, int dst, const char *api) {
    emu_cpe_t *c = emu_require_cpe(api);
    require_sw26010(api);
    char msg[256];
    const int row = scope == SW_EMU_ROW;
    const int me = row ? (c->tid & 7) : (c->tid >> 3);
    if (bytes > EMU_REG_WORD) {
        snprintf(msg, sizeof msg, "%s: a %zu-byte value does not fit a 256-bit register word",
                 api, bytes);
        emu_fail_self(msg);
    }
    if (dst < 0 || dst > 8 || dst == me) {
        snprintf(msg, sizeof msg, "%s: destination %d is not another %s of this %s (0..7, or 8 "
                 "for all others; this CPE is %d)", api, dst, row ? "column" : "row",
                 row ? "row" : "column", me);
        emu_fail_self(msg);
    }
    unsigned char w[EMU_REG_WORD];
    memset(w, 0, sizeof w);
    memcpy(w, var, bytes);
    for (int k = 0; k < 8; k++) {
        if (k == me || (dst != 8 && k != dst)) continue;
        int t = row ? (c->tid & ~7) + k : (c->tid & 7) + 8 * k;
        put_one(c, emu_cpe_at(c->cg, t), row, w, api);
    }
    c->c.rma_bytes += EMU_REG_WORD;
    c->c.rma_ops++;
}

void sunway_emu_reg_get(int scope, void *var, size_t bytes, const char *api) {
    emu_cpe_t *c = emu_require_cpe(api);
    require_sw26010(api);
    const int row = scope == SW_EMU_ROW;
    if (bytes > EMU_REG_WORD) {
        char msg[256];
        snprintf(msg, sizeof msg, "%s: a %zu-byte variable is wider than a 256-bit register word",
                 api, bytes);
        emu_fail_self(msg);
    }
    emu_regbuf_t *b = &bufs[c->cg][c->tid][row ? 0 : 1];
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pthread_mutex_lock(&b->mu);
    while (b->count == 0)
        timed_wait(b, c, &t0, row, -1, api,
                   row ? "nothing arrived in the row buffer" : "nothing arrived in the column buffer");
    memcpy(var, b->words[b->head], bytes);
    b->head = (b->head + 1) % EMU_REG_DEPTH;
    b->count--;
    pthread_cond_broadcast(&b->cv);
    pthread_mutex_unlock(&b->mu);
}

void sunway_emu_syn(int scope, unsigned mask) {
    const char *api = "athread_syn";
    emu_cpe_t *c = emu_require_cpe(api);
    unsigned full = scope == SW_EMU_ARRAY ? 0xffffu : 0xffu;
    if (scope != SW_EMU_ROW && scope != SW_EMU_COL && scope != SW_EMU_ARRAY) {
        char msg[128];
        snprintf(msg, sizeof msg, "%s: unknown scope %d", api, scope);
        emu_fail_self(msg);
    }
    if ((mask & full) != full) {
        char msg[192];
        snprintf(msg, sizeof msg, "%s: mask 0x%x leaves CPEs out; the emulator models only the "
                 "full %s mask 0x%x", api, mask, scope == SW_EMU_ARRAY ? "array" : "row/column",
                 full);
        emu_fail_self(msg);
    }
    c->c.syncs++;
    int index = scope == SW_EMU_ROW ? c->tid >> 3 : scope == SW_EMU_COL ? c->tid & 7 : 0;
    emu_barrier(c->cg, scope, index, api);
}
