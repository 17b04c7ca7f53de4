/*
 * spawn.c — athread_init / spawn / join on a pool of worker threads, 64 per core group.
 *
 * Workers are created on the first spawn that needs their core group and live until
 * sunway_emu_shutdown(): creating 64-384 threads per kernel launch would dominate the emulation.
 * A spawn bumps the generation of each core group it runs on; each worker runs the kernel as one
 * CPE (its own LDM arena, ids, counters), and the host's join waits until all have returned.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../include/athread.h"
#include "emu.h"

static struct {
    pthread_mutex_t mu;
    pthread_cond_t start[EMU_MAX_CGS];
    pthread_cond_t done;
    unsigned gen[EMU_MAX_CGS];
    int started[EMU_MAX_CGS];
    int running;  /* CPEs still in the current spawn */
    int busy;     /* a spawn was started and not joined */
    int stop;
    int inited;
    uint64_t t0;
} pool = {.mu = PTHREAD_MUTEX_INITIALIZER, .done = PTHREAD_COND_INITIALIZER};

static void run_kernel(emu_cpe_t *c) {
    memset(&c->c, 0, sizeof c->c);
    c->npending = 0;
    c->done = 0;
    if (sigsetjmp(c->jb, 1) == 0) {
        c->in_kernel = 1;
        emu_ldm_begin(c);
        /* Everyone's counters and TLS are set before any CPE can RMA into another. */
        emu_barrier(c->cg, 0, 0, "spawn");
        emu_cur.fn(emu_cur.arg);
        emu_dma_complete_all(c); /* transfers never waited on still land, as on the chip */
        emu_ldm_end(c);
    }
    c->in_kernel = 0;
    c->done = 1;
}

static void *worker(void *p) {
    emu_cpe_t *c = p;
    emu_self = c;
    pthread_attr_t at;
    if (pthread_getattr_np(pthread_self(), &at) == 0) {
        void *lo;
        size_t sz;
        pthread_attr_getstack(&at, &lo, &sz);
        c->stack_lo = (uintptr_t)lo;
        c->stack_hi = (uintptr_t)lo + sz;
        pthread_attr_destroy(&at);
    }
    emu_fault_thread_setup(c);
    /* The generation before this thread's first spawn, read by its creator under the lock: reading
     * it here could already see that spawn's bump and sleep through it. */
    unsigned seen = c->gen_at_start;
    pthread_mutex_lock(&pool.mu);
    for (;;) {
        while (pool.gen[c->cg] == seen && !pool.stop) pthread_cond_wait(&pool.start[c->cg], &pool.mu);
        if (pool.stop) break;
        seen = pool.gen[c->cg];
        pthread_mutex_unlock(&pool.mu);
        run_kernel(c);
        pthread_mutex_lock(&pool.mu);
        if (--pool.running == 0) pthread_cond_broadcast(&pool.done);
    }
    pthread_mutex_unlock(&pool.mu);
    return NULL;
}

/* Called with pool.mu held. */
static int start_cg(int g, char *err, size_t n) {
    long page = sysconf(_SC_PAGESIZE);
    pthread_cond_init(&pool.start[g], NULL);
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setstacksize(&at, 2u << 20);
    for (int t = 0; t < EMU_CPES; t++) {
        emu_cpe_t *c = emu_cpe_at(g, t);
        memset(c, 0, sizeof *c);
        c->cg = g;
        c->tid = t;
        c->gen_at_start = pool.gen[g];
        /* Guard pages on both sides: running off the arena faults instead of corrupting. */
        unsigned char *m = mmap(NULL, EMU_ARENA_BYTES + 2 * page, PROT_READ | PROT_WRITE,
                                MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (m == MAP_FAILED) {
            snprintf(err, n, "cannot map the LDM arena of CPE %d (CG %d)", t, g);
            return -1;
        }
        mprotect(m, page, PROT_NONE);
        mprotect(m + page + EMU_ARENA_BYTES, page, PROT_NONE);
        c->arena = m + page;
        if (pthread_create(&c->thread, &at, worker, c) != 0) {
            snprintf(err, n, "cannot start the thread of CPE %d (CG %d)", t, g);
            return -1;
        }
        c->started = 1;
    }
    pthread_attr_destroy(&at);
    pool.started[g] = 1;
    return 0;
}

int sunway_emu_init(void) {
    char err[256];
    if (emu_chip_config_error(err, sizeof err)) {
        emu_reset_spawn_error();
        emu_record_error(err);
        return -1;
    }
    pthread_mutex_lock(&pool.mu);
    if (!pool.inited) {
        if (emu_fault_install() != 0) {
            pthread_mutex_unlock(&pool.mu);
            emu_reset_spawn_error();
            emu_record_error("cannot install the SIGSEGV handler");
            return -1;
        }
        pool.inited = 1;
    }
    pthread_mutex_unlock(&pool.mu);
    return 0;
}

static int spawn_refused(const char *msg) {
    emu_reset_spawn_error();
    emu_record_error(msg);
    return -1;
}

int sunway_emu_spawn(void *fn, const void *arg, int all_cgs, const char *name) {
    const emu_chip_t *chip = emu_chip();
    char err[256];
    if (!pool.inited) return spawn_refused("athread_spawn before athread_init");
    if (!fn) return spawn_refused("athread_spawn of a null kernel");
    pthread_mutex_lock(&pool.mu);
    if (pool.busy) {
        pthread_mutex_unlock(&pool.mu);
        return spawn_refused("athread_spawn while the previous spawn was not joined");
    }
    emu_reset_spawn_error();
    emu_clear_abort();
    if (sunway_emu_fault_hit(1)) {
        pthread_mutex_unlock(&pool.mu);
        snprintf(err, sizeof err, "athread_spawn failed (-1): the spawn was refused (injected: GLM_FAULT launch #%ld)",
                 sunway_emu_fault_fired_at(1));
        return spawn_refused(err);
    }
    Dl_info di;
    if (name) snprintf(emu_cur.name, sizeof emu_cur.name, "%s", name);
    else if (dladdr(fn, &di) && di.dli_sname) snprintf(emu_cur.name, sizeof emu_cur.name, "%s", di.dli_sname);
    else snprintf(emu_cur.name, sizeof emu_cur.name, "kernel@%p", fn);
    emu_cur.fn = (void (*)(void *))fn;
    emu_cur.arg = sunway_emu_main_ptr(arg);
    emu_cur.cgs = all_cgs ? chip->cgs : 1;
    emu_find_tls_module(fn, &emu_cur.tls_modid, &emu_cur.tls_bytes);
    emu_sync_init(emu_cur.cgs);
    emu_regcomm_init(emu_cur.cgs);
    for (int g = 0; g < emu_cur.cgs; g++)
        if (!pool.started[g] && start_cg(g, err, sizeof err) != 0) {
            pthread_mutex_unlock(&pool.mu);
            return spawn_refused(err);
        }
    pool.running = emu_cur.cgs * EMU_CPES;
    pool.busy = 1;
    pool.t0 = emu_now_ns();
    for (int g = 0; g < emu_cur.cgs; g++) {
        pool.gen[g]++;
        pthread_cond_broadcast(&pool.start[g]);
    }
    pthread_mutex_unlock(&pool.mu);
    return 0;
}

int sunway_emu_join(void) {
    pthread_mutex_lock(&pool.mu);
    if (!pool.busy) {
        pthread_mutex_unlock(&pool.mu);
        if (emu_spawn_failed()) return -1; /* the spawn itself was refused: keep its message */
        emu_record_error("athread_join without a running spawn");
        return -1;
    }
    while (pool.running > 0) pthread_cond_wait(&pool.done, &pool.mu);
    pool.busy = 0;
    uint64_t wall = emu_now_ns() - pool.t0;
    pthread_mutex_unlock(&pool.mu);
    emu_stats_collect(wall, emu_spawn_failed());
    if (!emu_spawn_failed() && sunway_emu_fault_hit(2)) {
        char err[160];
        snprintf(err, sizeof err, "athread_join failed (-1): the core group did not complete (injected: GLM_FAULT sync #%ld)",
                 sunway_emu_fault_fired_at(2));
        emu_record_error(err);
    }
    return emu_spawn_failed() ? -1 : 0;
}

int __real_athread_spawn(void *fn, void *arg, int flush) {
    (void)flush;
    return sunway_emu_spawn(fn, arg, 0, NULL);
}

int __real_athread_spawn_cgs(void *fn, void *arg, int flush) {
    (void)flush;
    return sunway_emu_spawn(fn, arg, 1, NULL);
}

void sunway_emu_shutdown(void) {
    pthread_mutex_lock(&pool.mu);
    if (pool.busy) {
        pthread_mutex_unlock(&pool.mu);
        sunway_emu_join();
        pthread_mutex_lock(&pool.mu);
    }
    pool.stop = 1;
    for (int g = 0; g < EMU_MAX_CGS; g++)
        if (pool.started[g]) pthread_cond_broadcast(&pool.start[g]);
    pthread_mutex_unlock(&pool.mu);
    long page = sysconf(_SC_PAGESIZE);
    for (int g = 0; g < EMU_MAX_CGS; g++) {
        if (!pool.started[g]) continue;
        for (int t = 0; t < EMU_CPES; t++) {
            emu_cpe_t *c = emu_cpe_at(g, t);
            if (!c->started) continue;
            pthread_join(c->thread, NULL);
            munmap(c->arena - page, EMU_ARENA_BYTES + 2 * page);
            c->started = 0;
        }
        pool.started[g] = 0;
    }
    pthread_mutex_lock(&pool.mu);
    pool.stop = 0;
    pthread_mutex_unlock(&pool.mu);
}

int sunway_emu_tid(void) { return emu_require_cpe("CRTS_tid")->tid; }
int sunway_emu_cgn(void) { return emu_require_cpe("CRTS_cgn")->cg; }
