/*
 * inject.c — fault injection (GLM_FAULT=alloc:N,launch:N,sync:N,dma:N, or sunway_emu_fault_arm in
 * process): the Nth event of a kind fails once, through the failure the emulator already has for it —
 * a refused athread_spawn (launch), a failed athread_join (sync), a CPE's DMA that fails its spawn
 * (dma); allocations are the MPE's (the runner's device memory asks sunway_emu_fault_hit). Counting
 * restarts at each arm; the counts tell a caller how many events a step has, to aim at its middle.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../include/sunway_emu.h"

#define KINDS 4

static const char *const kind_names[KINDS] = {"alloc", "launch", "sync", "dma"};
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static long armed[KINDS], seen[KINDS], fired_at[KINDS];
static int env_read;

/* A malformed entry is reported once on stderr and ignored: it is a test switch. Caller holds mu. */
static void read_environment(void) {
    env_read = 1;
    const char *spec = getenv("GLM_FAULT");
    if (!spec || !*spec) return;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", spec);
    for (char *save = NULL, *item = strtok_r(buf, ",|", &save); item; item = strtok_r(NULL, ",|", &save)) {
        char *colon = strchr(item, ':');
        int kind = -1;
        for (int k = 0; k < KINDS && colon; k++)
            if ((size_t)(colon - item) == strlen(kind_names[k]) && strncmp(item, kind_names[k], (size_t)(colon - item)) == 0) kind = k;
        char *tail = NULL;
        long n = kind >= 0 ? strtol(colon + 1, &tail, 10) : 0;
        if (kind < 0 || n < 1 || !tail || *tail)
            fprintf(stderr, "GLM_FAULT: ignoring \"%s\" (expected alloc:N, launch:N, sync:N or dma:N, N >= 1)\n", item);
        else
            armed[kind] = n;
    }
}

void sunway_emu_fault_arm(int kind, long n) {
    if (kind < 0 || kind >= KINDS) return;
    pthread_mutex_lock(&mu);
    if (!env_read) read_environment();
    armed[kind] = n > 0 ? n : 0;
    seen[kind] = 0;
    pthread_mutex_unlock(&mu);
}

int sunway_emu_fault_hit(int kind) {
    if (kind < 0 || kind >= KINDS) return 0;
    pthread_mutex_lock(&mu);
    if (!env_read) read_environment();
    long n = ++seen[kind];
    int hit = armed[kind] != 0 && n == armed[kind];
    if (hit) {
        armed[kind] = 0;
        fired_at[kind] = n;
    }
    pthread_mutex_unlock(&mu);
    return hit;
}

void sunway_emu_fault_counts(long *out) {
    pthread_mutex_lock(&mu);
    for (int k = 0; k < KINDS; k++) out[k] = seen[k];
    pthread_mutex_unlock(&mu);
}

long sunway_emu_fault_fired_at(int kind) {
    if (kind < 0 || kind >= KINDS) return 0;
    pthread_mutex_lock(&mu);
    long n = fired_at[kind];
    pthread_mutex_unlock(&mu);
    return n;
}
