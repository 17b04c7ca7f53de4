/*
 * emu.h — internal state of the athread/CRTS emulator (not installed, not for kernels).
 *
 * One emu_cpe_t per emulated CPE (6 CGs x 64 at most), each served by one worker pthread that
 * lives across spawns. A CPE thread knows itself through the thread-local emu_self.
 */
#ifndef GLM_SW_EMU_INTERNAL_H
#define GLM_SW_EMU_INTERNAL_H

#include <pthread.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

#include "../include/sunway_emu.h"

#define EMU_MAX_CGS SUNWAY_EMU_MAX_CGS
#define EMU_CPES 64
#define EMU_ARENA_BYTES (256u << 10) /* every arena is Pro-sized; the chip's size is enforced */
#define EMU_DMA_MAX ((size_t)(256u << 10) - 1) /* 18-bit size field */
#define EMU_MAX_ALLOCS 256
#define EMU_MAX_PENDING 64
#define EMU_ERR_BYTES 1024

/* ---- chip.c ---- */
typedef struct emu_chip {
    int is_pro;
    int cgs;
    size_t max_ldm;  /* CRTS_MAX_LDM_SIZE */
    size_t budget;   /* usable per CPE */
    long wait_timeout_ms;
    const char *name;
} emu_chip_t;
const emu_chip_t *emu_chip(void); /* reads the environment once */
int emu_chip_config_error(char *buf, size_t n); /* 1 and a message if the environment was bad */

/* ---- one CPE ---- */
typedef struct emu_alloc {
    uint32_t off, size;
    uint8_t live, fixed;
} emu_alloc_t;

typedef struct emu_dma_op {
    int op;                 /* SW_EMU_GET / SW_EMU_PUT */
    unsigned char *ldm;
    unsigned char *mem;     /* untagged */
    size_t len, bsize, stride;
    volatile void *rply;
    size_t rply_bytes;
} emu_dma_op_t;

typedef struct emu_cpe {
    int cg, tid;
    pthread_t thread;
    int started;
    unsigned gen_at_start;      /* pool generation when the worker was created */
    unsigned char *arena;       /* EMU_ARENA_BYTES, guard pages around it */
    void *altstack;
    uintptr_t stack_lo, stack_hi;

    /* per spawn */
    int in_kernel;
    volatile int done;          /* returned (or failed) from this spawn's kernel */
    sigjmp_buf jb;
    unsigned char *tls_base;    /* this thread's copy of the kernel module's TLS block */
    size_t tls_bytes;
    size_t heap_top;            /* arena bytes in use (bump pointer) */
    emu_alloc_t allocs[EMU_MAX_ALLOCS];
    int nallocs;
    emu_dma_op_t pending[EMU_MAX_PENDING];
    int npending;
    sunway_emu_counters_t c;
} emu_cpe_t;

extern __thread emu_cpe_t *emu_self;

/* ---- spawn.c ---- */
typedef struct emu_spawn {
    void (*fn)(void *);
    void *arg;                  /* tagged */
    char name[96];
    int cgs;                    /* core groups running */
    size_t tls_modid, tls_bytes;
} emu_spawn_t;
extern emu_spawn_t emu_cur;
emu_cpe_t *emu_cpe_at(int cg, int tid);
int emu_aborted(void);

/* ---- error.c ---- */
void emu_record_error(const char *msg);           /* first error of a spawn wins */
void emu_fail_self(const char *msg) __attribute__((noreturn)); /* CPE: record + unwind */
void emu_abort_self(void) __attribute__((noreturn));           /* CPE: unwind, error known */
void emu_reset_spawn_error(void);
int emu_spawn_failed(void);
void emu_set_abort(void);
void emu_clear_abort(void);
emu_cpe_t *emu_require_cpe(const char *api);      /* fails if called off a CPE */

/* ---- ldm.c ---- */
enum { EMU_LDM_NONE = 0, EMU_LDM_ARENA, EMU_LDM_TLS, EMU_LDM_STACK };
int emu_ldm_classify(const emu_cpe_t *c, const void *p, size_t len, size_t *off);
void *emu_ldm_translate(emu_cpe_t *from, emu_cpe_t *to, const void *p, size_t len,
                        const char *api, const char *what);
void emu_ldm_check_local(emu_cpe_t *c, const void *p, size_t len, const char *api,
                         const char *what);
void emu_ldm_begin(emu_cpe_t *c);                 /* charges __thread_local, resets the heap */
void emu_ldm_end(emu_cpe_t *c);                   /* fails on leaked ldm_malloc */
int emu_find_tls_module(const void *fn, size_t *modid, size_t *bytes);

/* ---- reply.c ---- */
void emu_reply_check(emu_cpe_t *c, volatile void *r, size_t bytes, const char *api);
void emu_reply_add(volatile void *r, size_t bytes);
long emu_reply_load(volatile void *r, size_t bytes);

/* ---- mainmem.c ---- */
void emu_main_check(const void *mem, size_t len, size_t bsize, size_t stride, const char *api);

/* ---- dma.c ---- */
void emu_dma_complete_all(emu_cpe_t *c);
void sunway_emu_wait_value(volatile void *rply, size_t rply_bytes, long n, const char *api);

/* ---- sync.c ---- */
void emu_sync_init(int cgs);
void emu_barrier(int cg, int scope, int index, const char *api);

/* ---- regcomm.c ---- */
void emu_regcomm_init(int cgs);

/* ---- fault.c ---- */
int emu_fault_install(void);
int emu_fault_thread_setup(emu_cpe_t *c);

/* ---- stats.c ---- */
void emu_stats_collect(uint64_t wall_ns, int failed);
uint64_t emu_now_ns(void);

#endif
