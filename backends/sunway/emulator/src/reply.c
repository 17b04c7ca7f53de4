/*
 * reply.c — reply words: the counters DMA and RMA bump when a transfer lands.
 *
 * crts_rply_t is 32-bit on the CPE, athread_rply_t 64-bit; the header macros pass sizeof(*reply).
 * A reply word is an LDM address on the chip (the descriptor's reply field is 18 bits), so one
 * anywhere else fails the spawn. Increments are atomic (other CPEs' RMA may land concurrently) and
 * release the data copied before them; loads acquire.
 */
#define _GNU_SOURCE
#include <stdio.h>

#include "emu.h"

void emu_reply_check(emu_cpe_t *c, volatile void *r, size_t bytes, const char *api) {
    char msg[256];
    if (bytes != 4 && bytes != 8) {
        snprintf(msg, sizeof msg, "%s: reply word of %zu bytes (expected crts_rply_t or "
                 "athread_rply_t)", api, bytes);
        emu_fail_self(msg);
    }
    if (((uintptr_t)r & (bytes - 1)) != 0) {
        snprintf(msg, sizeof msg, "%s: reply word %p is not %zu-byte aligned", api, (void *)r,
                 bytes);
        emu_fail_self(msg);
    }
    emu_ldm_check_local(c, (const void *)r, bytes, api, "reply word");
}

void emu_reply_add(volatile void *r, size_t bytes) {
    if (bytes == 4) __atomic_add_fetch((volatile int32_t *)r, 1, __ATOMIC_RELEASE);
    else __atomic_add_fetch((volatile int64_t *)r, 1, __ATOMIC_RELEASE);
}

long emu_reply_load(volatile void *r, size_t bytes) {
    if (bytes == 4) return __atomic_load_n((volatile int32_t *)r, __ATOMIC_ACQUIRE);
    return (long)__atomic_load_n((volatile int64_t *)r, __ATOMIC_ACQUIRE);
}
