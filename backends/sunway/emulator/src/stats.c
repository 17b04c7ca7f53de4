/*
 * stats.c — per-CPE counters, and their sums per spawn for the performance model.
 *
 * Counters say what a kernel moved and computed (bytes, flops, LDM peak), never how long the
 * emulation took on this machine: the model (backends/sunway/perf-model.ts) turns them into a
 * Sunway time with the chip's published bandwidth and peak.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../include/sw_compat.h"
#include "emu.h"

static pthread_mutex_t stats_mu = PTHREAD_MUTEX_INITIALIZER;
static sunway_emu_spawn_stats_t last;
static int have_last;
static uint64_t seq;

uint64_t emu_now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

void sunway_emu_add_flops(int elem_bytes, uint64_t n) {
    emu_cpe_t *c = emu_self;
    if (!c || !c->in_kernel) return; /* host arithmetic is not Sunway work */
    if (elem_bytes == 2) c->c.flops_f16 += n;
    else if (elem_bytes == 8) c->c.flops_f64 += n;
    else c->c.flops_f32 += n;
}

static void add(sunway_emu_counters_t *s, const sunway_emu_counters_t *c) {
    s->dma_get_bytes += c->dma_get_bytes;
    s->dma_put_bytes += c->dma_put_bytes;
    s->dma_get_ops += c->dma_get_ops;
    s->dma_put_ops += c->dma_put_ops;
    s->dma_blocks += c->dma_blocks;
    s->dma_bcast_bytes += c->dma_bcast_bytes;
    s->rma_bytes += c->rma_bytes;
    s->rma_ops += c->rma_ops;
    s->rma_recv_bytes += c->rma_recv_bytes;
    s->flops_f16 += c->flops_f16;
    s->flops_f32 += c->flops_f32;
    s->flops_f64 += c->flops_f64;
    if (c->ldm_high_water > s->ldm_high_water) s->ldm_high_water = c->ldm_high_water;
    if (c->ldm_tls_bytes > s->ldm_tls_bytes) s->ldm_tls_bytes = c->ldm_tls_bytes;
    s->waits += c->waits;
    s->syncs += c->syncs;
}

void emu_stats_collect(uint64_t wall_ns, int failed) {
    const emu_chip_t *chip = emu_chip();
    sunway_emu_spawn_stats_t s;
    memset(&s, 0, sizeof s);
    snprintf(s.kernel, sizeof s.kernel, "%s", emu_cur.name);
    s.chip_is_pro = chip->is_pro;
    s.cgs = emu_cur.cgs;
    s.cpes_per_cg = EMU_CPES;
    s.max_ldm_size = chip->max_ldm;
    s.ldm_budget = chip->budget;
    s.wall_ns = wall_ns;
    for (int g = 0; g < emu_cur.cgs; g++)
        for (int t = 0; t < EMU_CPES; t++) add(&s.per_cg[g], &emu_cpe_at(g, t)->c);
    for (int g = 0; g < emu_cur.cgs; g++) add(&s.total, &s.per_cg[g]);
    /* SW26010 has no fp16 SIMD (shared/spec/sunway.md §1): a kernel that used it is wrong there. */
    if (!failed && !chip->is_pro && s.total.flops_f16) {
        char msg[256];
        snprintf(msg, sizeof msg, "kernel %s: %llu fp16 SIMD flops on SW26010, which has no fp16",
                 emu_cur.name, (unsigned long long)s.total.flops_f16);
        emu_record_error(msg);
        failed = 1;
    }
    s.failed = failed;
    pthread_mutex_lock(&stats_mu);
    s.seq = ++seq;
    last = s;
    have_last = 1;
    pthread_mutex_unlock(&stats_mu);
}

int sunway_emu_spawn_stats(sunway_emu_spawn_stats_t *out) {
    pthread_mutex_lock(&stats_mu);
    int ok = have_last;
    if (ok) *out = last;
    pthread_mutex_unlock(&stats_mu);
    return ok ? 0 : -1;
}

int sunway_emu_cpe_stats(int cg, int cpe, sunway_emu_counters_t *out) {
    pthread_mutex_lock(&stats_mu);
    int ok = have_last && cg >= 0 && cg < last.cgs && cpe >= 0 && cpe < EMU_CPES;
    pthread_mutex_unlock(&stats_mu);
    if (!ok) return -1;
    *out = emu_cpe_at(cg, cpe)->c;
    return 0;
}

size_t sunway_emu_sizeof_spawn_stats(void) { return sizeof(sunway_emu_spawn_stats_t); }
size_t sunway_emu_sizeof_counters(void) { return sizeof(sunway_emu_counters_t); }
