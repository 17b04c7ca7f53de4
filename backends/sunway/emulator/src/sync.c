/*
 * sync.c — barriers: CRTS_ssync_array / _row / _col, and the start line of every spawn.
 *
 * A barrier must never hang the host: waiters poll (every 20 ms) for another CPE's failure, for a
 * CPE of the scope that already returned from the kernel without arriving (it never will), and for
 * the wait timeout.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <time.h>

#include "../include/crts.h"
#include "emu.h"

enum { SLOT_ARRAY = 0, SLOT_ROW = 1, SLOT_COL = 9, SLOT_START = 17, SLOTS = 18 };

typedef struct emu_bar {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int count;
    unsigned gen;
} emu_bar_t;

static emu_bar_t bars[EMU_MAX_CGS][SLOTS];
static pthread_once_t bars_once = PTHREAD_ONCE_INIT;

static void bars_create(void) {
    for (int g = 0; g < EMU_MAX_CGS; g++)
        for (int s = 0; s < SLOTS; s++) {
            pthread_mutex_init(&bars[g][s].mu, NULL);
            pthread_cond_init(&bars[g][s].cv, NULL);
        }
}

void emu_sync_init(int cgs) {
    pthread_once(&bars_once, bars_create);
    for (int g = 0; g < cgs; g++)
        for (int s = 0; s < SLOTS; s++) bars[g][s].count = 0;
}

static int member(int scope, int index, int k) {
    if (scope == SW_EMU_ROW) return index * 8 + k;
    if (scope == SW_EMU_COL) return k * 8 + index;
    return k;
}

/* A CPE of the scope that returned from the kernel can no longer arrive. */
static int gone(int cg, int scope, int index, int need) {
    for (int k = 0; k < need; k++) {
        emu_cpe_t *o = emu_cpe_at(cg, member(scope, index, k));
        if (o->done) return o->tid;
    }
    return -1;
}

void emu_barrier(int cg, int scope, int index, const char *api) {
    int slot = scope == SW_EMU_ROW ? SLOT_ROW + index
               : scope == SW_EMU_COL ? SLOT_COL + index
               : scope == SW_EMU_ARRAY ? SLOT_ARRAY : SLOT_START;
    int need = scope == SW_EMU_ROW || scope == SW_EMU_COL ? 8 : EMU_CPES;
    emu_bar_t *b = &bars[cg][slot];
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pthread_mutex_lock(&b->mu);
    unsigned gen = b->gen;
    if (++b->count == need) {
        b->count = 0;
        b->gen++;
        pthread_cond_broadcast(&b->cv);
        pthread_mutex_unlock(&b->mu);
        return;
    }
    while (gen == b->gen) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 20 * 1000000;
        if (until.tv_nsec >= 1000000000) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&b->cv, &b->mu, &until);
        if (gen != b->gen) break;
        char msg[256];
        msg[0] = 0;
        int t = slot == SLOT_START ? -1 : gone(cg, scope, index, need);
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long ms = (now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000;
        if (t >= 0)
            snprintf(msg, sizeof msg, "%s: CPE %d returned from the kernel without reaching this "
                     "barrier (every CPE of the scope must call it)", api, t);
        else if (ms > emu_chip()->wait_timeout_ms)
            snprintf(msg, sizeof msg, "%s: only %d of %d CPEs arrived within %ld ms", api,
                     b->count, need, ms);
        if (emu_aborted() || msg[0]) {
            pthread_mutex_unlock(&b->mu);
            if (msg[0]) emu_fail_self(msg);
            emu_abort_self();
        }
    }
    pthread_mutex_unlock(&b->mu);
}

void sunway_emu_ssync(int scope) {
    const char *api = scope == SW_EMU_ROW ? "CRTS_ssync_row"
                      : scope == SW_EMU_COL ? "CRTS_ssync_col" : "CRTS_ssync_array";
    emu_cpe_t *c = emu_require_cpe(api);
    emu_dma_complete_all(c);
    c->c.syncs++;
    int index = scope == SW_EMU_ROW ? c->tid >> 3 : scope == SW_EMU_COL ? c->tid & 7 : 0;
    emu_barrier(c->cg, scope, index, api);
}
