/*
 * mainmem.c — optional bounds for the main-memory side of DMA.
 *
 * Tagging catches a CPE that dereferences main memory; it cannot tell whether a DMA stays inside the
 * buffer it meant to read. A host that registers its buffers (the device arena, weights) gets that
 * check too: once any region is registered, every DMA's main-memory extent must lie inside one of
 * them, or the spawn fails naming the range. Without registrations nothing is checked; a DMA that
 * starts at the spawn argument is always allowed.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "../include/sw_compat.h"
#include "emu.h"

#define MAX_REGIONS 4096

typedef struct { uintptr_t lo, hi; } region_t;

static region_t regions[MAX_REGIONS]; /* sorted by lo, non-overlapping */
static int nregions;
static pthread_rwlock_t lock = PTHREAD_RWLOCK_INITIALIZER;

int sunway_emu_register_main(const void *base, size_t bytes) {
    uintptr_t lo = (uintptr_t)sunway_emu_host_ptr(base), hi = lo + bytes;
    int rc = -1;
    pthread_rwlock_wrlock(&lock);
    int i = 0;
    while (i < nregions && regions[i].lo < lo) i++;
    int overlaps = (i > 0 && regions[i - 1].hi > lo) || (i < nregions && regions[i].lo < hi);
    if (bytes && !overlaps && nregions < MAX_REGIONS) {
        memmove(&regions[i + 1], &regions[i], (size_t)(nregions - i) * sizeof(region_t));
        regions[i] = (region_t){lo, hi};
        nregions++;
        rc = 0;
    }
    pthread_rwlock_unlock(&lock);
    return rc;
}

int sunway_emu_unregister_main(const void *base) {
    uintptr_t lo = (uintptr_t)sunway_emu_host_ptr(base);
    int rc = -1;
    pthread_rwlock_wrlock(&lock);
    for (int i = 0; i < nregions; i++)
        if (regions[i].lo == lo) {
            memmove(&regions[i], &regions[i + 1], (size_t)(nregions - i - 1) * sizeof(region_t));
            nregions--;
            rc = 0;
            break;
        }
    pthread_rwlock_unlock(&lock);
    return rc;
}

void emu_main_check(const void *mem, size_t len, size_t bsize, size_t stride, const char *api) {
    if (!len) return;
    /* The spawn argument (fetched with CRTS_dma_get(&a, arg, sizeof a)) need not be registered. */
    if (sunway_emu_host_ptr(mem) == sunway_emu_host_ptr(emu_cur.arg)) return;
    uintptr_t lo = (uintptr_t)sunway_emu_host_ptr(mem), hi;
    if (bsize && bsize < len) {
        size_t blocks = (len + bsize - 1) / bsize, last = len - (blocks - 1) * bsize;
        hi = lo + (blocks - 1) * (bsize + stride) + last;
    } else {
        hi = lo + len;
    }
    pthread_rwlock_rdlock(&lock);
    int ok = nregions == 0;
    int a = 0, b = nregions - 1;
    while (!ok && a <= b) { /* the last region starting at or below lo */
        int m = (a + b) / 2;
        if (regions[m].lo <= lo) {
            if (hi <= regions[m].hi) ok = 1;
            a = m + 1;
        } else {
            b = m - 1;
        }
    }
    pthread_rwlock_unlock(&lock);
    if (ok) return;
    char msg[256];
    snprintf(msg, sizeof msg, "%s: main memory [%p, %p) is not inside any buffer the host "
             "registered (sunway_emu_register_main)", api, (void *)lo, (void *)hi);
    emu_fail_self(msg);
}
