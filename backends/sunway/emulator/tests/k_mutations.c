/* Kernels that break a rule, each on purpose; the emulator must fail the spawn with a message
 * that names the kernel, the CPE and what went wrong (tests/backends/sunway-emulator.test.ts). */
#include <crts.h>
#include <simd.h>

#include "k_args.h"

/* 100,000 bytes: inside Pro's ~220 KB budget, past SW26010's 60 KiB. */
void k_ldm_100k(void *argp) {
    (void)argp;
    void *p = ldm_malloc(100000);
    ldm_free(p, 100000);
}

/* 230,000 bytes: past Pro's default budget too. */
void k_ldm_230k(void *argp) {
    (void)argp;
    void *p = ldm_malloc(230000);
    ldm_free(p, 230000);
}

/* Reads its argument struct by dereferencing the (main-memory) argument pointer. */
void k_direct_arg(void *argp) {
    const k_misc_arg *a = argp;
    if (a->n == 12345) CRTS_ssync_array();
}

/* Fetches the struct properly, then reads main memory through a pointer in it. */
void k_direct_data(void *argp) {
    k_misc_arg a;
    CRTS_dma_get(&a, argp, sizeof a);
    float x = a.in[CRTS_tid];
    if (x == 12345.0f) CRTS_ssync_array();
}

/* One DMA of 300,000 bytes: the size field has 18 bits. */
void k_dma_300k(void *argp) {
    k_misc_arg a;
    CRTS_dma_get(&a, argp, sizeof a);
    void *p = ldm_malloc(1024);
    CRTS_dma_get(p, a.in, 300000);
    ldm_free(p, 1024);
}

/* A reply word in a plain global: main memory on the chip, not LDM. */
static crts_rply_t reply_in_main_memory;
void k_reply_global(void *argp) {
    k_misc_arg a;
    CRTS_dma_get(&a, argp, sizeof a);
    SW_LDM_ARRAY(float, buf, 16);
    CRTS_dma_iget(buf, a.in, 64, &reply_in_main_memory);
    CRTS_dma_wait_value(&reply_in_main_memory, 1);
}

/* Returns with an ldm_malloc'ed block. */
void k_ldm_leak(void *argp) {
    (void)argp;
    (void)ldm_malloc(4096);
}

/* CPE 5 returns early; the others wait at a barrier it never reaches. */
void k_barrier_skip(void *argp) {
    (void)argp;
    if (CRTS_tid == 5) return;
    CRTS_ssync_array();
}

/* A SIMD load from an address that is not 32-byte aligned. */
void k_unaligned(void *argp) {
    (void)argp;
    SW_LDM_ARRAY(float, buf, 64);
    floatv8 v;
    simd_load(v, buf + 1);
    simd_store(v, buf + 16);
}

/* fp16 SIMD: fine on Pro, absent on SW26010. */
void k_fp16(void *argp) {
    k_misc_arg a;
    CRTS_dma_get(&a, argp, sizeof a);
    float16v32 h = simd_vcpyh((_Float16)1.5f);
    h = simd_vaddh(h, h);
    float f = (float)h[0];
    if (CRTS_tid == 0) CRTS_dma_put(a.out, &f, sizeof f);
}

/* Waits for a transfer nobody issued. */
void k_wait_never(void *argp) {
    (void)argp;
    crts_rply_t r = 0;
    CRTS_dma_wait_value(&r, 1);
}

/* Reads its buffer before waiting for the DMA into it: sees the old contents (what the chip may
 * do), then waits and sees the data. out[2 tid] = before, out[2 tid + 1] = after. */
void k_read_before_wait(void *argp) {
    k_misc_arg a;
    CRTS_dma_get(&a, argp, sizeof a);
    SW_LDM_ARRAY(float, buf, 8);
    buf[0] = -1.0f;
    crts_rply_t r = 0;
    CRTS_dma_iget(buf, a.in + CRTS_tid, sizeof(float), &r);
    float seen[2];
    seen[0] = buf[0];
    CRTS_dma_wait_value(&r, 1);
    seen[1] = buf[0];
    CRTS_dma_put(a.out + 2 * CRTS_tid, seen, sizeof seen);
}
