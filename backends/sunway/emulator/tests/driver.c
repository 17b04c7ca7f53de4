/*
 * Host driver of the emulator's tests: `emu_tests <case>` runs one case and prints one JSON line
 *   {"case":..., "rc": athread_join's result, "error": sunway_emu_last_error() or null,
 *    "check": "ok" or what was wrong with the results, "stats": the spawn's counters}
 * The vitest suite (tests/backends/sunway-emulator.test.ts) runs it per case and chip.
 */
#include <athread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "k_args.h"

extern void SLAVE_FUN(k_stride)(void *);
extern void SLAVE_FUN(k_row_bcast)(void *);
extern void SLAVE_FUN(k_col_bcast)(void *);
extern void SLAVE_FUN(k_dbuf)(void *);
extern void SLAVE_FUN(k_p2p)(void *);
extern void SLAVE_FUN(k_regcomm)(void *);
extern void SLAVE_FUN(k_reg_overrun)(void *);
extern void SLAVE_FUN(k_scale)(void *);
extern void SLAVE_FUN(k_ldm_100k)(void *);
extern void SLAVE_FUN(k_ldm_230k)(void *);
extern void SLAVE_FUN(k_direct_arg)(void *);
extern void SLAVE_FUN(k_direct_data)(void *);
extern void SLAVE_FUN(k_dma_300k)(void *);
extern void SLAVE_FUN(k_reply_global)(void *);
extern void SLAVE_FUN(k_ldm_leak)(void *);
extern void SLAVE_FUN(k_barrier_skip)(void *);
extern void SLAVE_FUN(k_unaligned)(void *);
extern void SLAVE_FUN(k_fp16)(void *);
extern void SLAVE_FUN(k_wait_never)(void *);
extern void SLAVE_FUN(k_read_before_wait)(void *);
extern void SLAVE_FUN(k_tls_big)(void *);
extern void SLAVE_FUN(k_gemm)(void *);

static char check[256] = "ok";
static int rc;

#define FAIL_CHECK(...) do { if (!strcmp(check, "ok")) snprintf(check, sizeof check, __VA_ARGS__); } while (0)
#define MAIN(p) sunway_emu_main_ptr(p)

static float *floats(long n) {
    float *p = calloc((size_t)n, sizeof(float));
    if (!p) abort();
    return p;
}

static void case_stride(void) {
    long rows = 40, cols = 128;
    float *in = floats(rows * cols), *out = floats(rows * cols);
    for (long i = 0; i < rows * cols; i++) in[i] = (float)(i % 97);
    k_stride_arg a = {MAIN(in), MAIN(out), rows, cols};
    athread_spawn(k_stride, &a);
    rc = athread_join();
    for (long i = 0; i < rows * cols; i++)
        if (out[i] != 2 * in[i] + 1) {
            FAIL_CHECK("out[%ld] = %g, expected %g", i, out[i], 2 * in[i] + 1);
            break;
        }
}

static void bcast(int row) {
    float *vec = floats(8 * 32), *out = floats(64 * 32);
    for (int i = 0; i < 8 * 32; i++) vec[i] = (float)(1000 * (i / 32) + i % 32);
    k_bcast_arg a = {MAIN(vec), MAIN(out)};
    if (row) athread_spawn(k_row_bcast, &a);
    else athread_spawn(k_col_bcast, &a);
    rc = athread_join();
    for (int t = 0; t < 64; t++) {
        int src = row ? t / 8 : t % 8;
        for (int i = 0; i < 32; i++)
            if (out[32 * t + i] != vec[32 * src + i]) {
                FAIL_CHECK("CPE %d element %d = %g, expected %g", t, i, out[32 * t + i], vec[32 * src + i]);
                return;
            }
    }
}

static void case_dbuf(void) {
    long chunks = 8, chunk = 1024, n = 64 * chunks * chunk;
    float *x = floats(n), *partial = floats(64);
    double want = 0, got = 0;
    for (long i = 0; i < n; i++) {
        x[i] = (float)(i % 7);
        want += x[i];
    }
    k_dbuf_arg a = {MAIN(x), MAIN(partial), chunks, chunk};
    athread_spawn(k_dbuf, &a);
    rc = athread_join();
    for (int t = 0; t < 64; t++) got += partial[t];
    if (got != want) FAIL_CHECK("sum %.1f, expected %.1f", got, want);
}

static void case_p2p(void) {
    float *out = floats(128);
    k_misc_arg a = {MAIN(out), NULL, 0};
    athread_spawn(k_p2p, &a);
    rc = athread_join();
    for (int t = 0; t < 64; t++)
        if (out[2 * t] != (float)((t + 63) % 64) || out[2 * t + 1] != (float)((t + 63) % 64)) {
            FAIL_CHECK("CPE %d got %g / %g, expected %d", t, out[2 * t], out[2 * t + 1], (t + 63) % 64);
            return;
        }
}

static void case_regcomm(void) {
    float *out = floats(64 * 8);
    k_misc_arg a = {MAIN(out), NULL, 0};
    athread_spawn(k_regcomm, &a);
    rc = athread_join();
    for (int t = 0; t < 64; t++) {
        int r = t / 8, c = t % 8;
        float want[8] = {0};
        if (c != 0) { /* 4 words {r, w, 10 r + w, 100}, w = 0..3 */
            want[0] = 4.0f * r, want[1] = 6, want[2] = 40.0f * r + 6, want[3] = 400;
        }
        if (r == 7) want[4] = (float)c, want[5] = 7;
        for (int i = 0; i < 8; i++)
            if (out[8 * t + i] != want[i]) {
                FAIL_CHECK("CPE %d slot %d = %g, expected %g", t, i, out[8 * t + i], want[i]);
                return;
            }
    }
}

static void case_scale_cgs(void) {
    long n = 64 * 4;
    int cgs = sunway_emu_cg_count();
    float *in = floats(n), *out = floats(n + 64 * 6);
    for (long i = 0; i < n; i++) in[i] = (float)i;
    k_misc_arg a = {MAIN(out), MAIN(in), n};
    athread_spawn_cgs(k_scale, &a);
    rc = athread_join_cgs();
    for (long i = 0; i < n; i++)
        if (out[i] != 3 * in[i]) {
            FAIL_CHECK("out[%ld] = %g", i, out[i]);
            return;
        }
    for (int i = 0; i < 64 * cgs; i++)
        if (out[n + i] != (float)i) {
            FAIL_CHECK("CG/CPE slot %d = %g", i, out[n + i]);
            return;
        }
}

static void case_read_before_wait(void) {
    float *in = floats(64), *out = floats(128);
    for (int i = 0; i < 64; i++) in[i] = (float)(i + 1);
    k_misc_arg a = {MAIN(out), MAIN(in), 64};
    athread_spawn(k_read_before_wait, &a);
    rc = athread_join();
    for (int t = 0; t < 64; t++)
        if (out[2 * t] != -1.0f || out[2 * t + 1] != (float)(t + 1)) {
            FAIL_CHECK("CPE %d saw %g before and %g after the wait", t, out[2 * t], out[2 * t + 1]);
            return;
        }
}

static void case_gemm(void) {
    long m = 256, n = 256, k = 256;
    float *a = floats(m * k), *b = floats(k * n), *c = floats(m * n);
    for (long i = 0; i < m * k; i++) a[i] = (float)(i % 5) - 2;
    for (long i = 0; i < k * n; i++) b[i] = (float)(i % 3) - 1;
    k_gemm_arg g = {MAIN(a), MAIN(b), MAIN(c), m, n, k};
    athread_spawn(k_gemm, &g);
    rc = athread_join();
    for (long i = 0; i < m; i += 17)
        for (long j = 0; j < n; j += 13) {
            double s = 0;
            for (long q = 0; q < k; q++) s += (double)a[i * k + q] * b[q * n + j];
            if (c[i * n + j] != (float)s) {
                FAIL_CHECK("C[%ld][%ld] = %g, expected %g", i, j, c[i * n + j], s);
                return;
            }
        }
}

/* DMA bounds: the stride case with its buffers registered — exactly (passes), or `in` registered
 * one row short (the last CPEs' strided reads leave it: fails). */
static void case_registered(int short_by_row) {
    long rows = 40, cols = 128;
    float *in = floats(rows * cols), *out = floats(rows * cols);
    sunway_emu_register_main(in, (size_t)((rows - short_by_row) * cols) * sizeof(float));
    sunway_emu_register_main(out, (size_t)(rows * cols) * sizeof(float));
    k_stride_arg a = {MAIN(in), MAIN(out), rows, cols};
    athread_spawn(k_stride, &a);
    rc = athread_join();
    sunway_emu_unregister_main(in);
    sunway_emu_unregister_main(out);
}

/* A kernel expected to fail (or not, depending on the chip): just run it. */
static void run_misc(void (*fn)(void *), const char *name) {
    float *in = floats(1 << 17), *out = floats(1024);
    k_misc_arg a = {MAIN(out), MAIN(in), 64};
    sunway_emu_spawn((void *)fn, &a, 0, name);
    rc = athread_join();
}

#define MISC(k) run_misc(SLAVE_FUN(k), #k)

static void print_counters(const sunway_emu_counters_t *c) {
    const struct { const char *name; uint64_t v; } f[] = {
        {"dma_get_bytes", c->dma_get_bytes}, {"dma_put_bytes", c->dma_put_bytes},
        {"dma_get_ops", c->dma_get_ops}, {"dma_put_ops", c->dma_put_ops},
        {"dma_blocks", c->dma_blocks}, {"dma_bcast_bytes", c->dma_bcast_bytes},
        {"rma_bytes", c->rma_bytes}, {"rma_ops", c->rma_ops},
        {"rma_recv_bytes", c->rma_recv_bytes}, {"flops_f16", c->flops_f16},
        {"flops_f32", c->flops_f32}, {"flops_f64", c->flops_f64},
        {"ldm_high_water", c->ldm_high_water}, {"ldm_tls_bytes", c->ldm_tls_bytes},
        {"waits", c->waits}, {"syncs", c->syncs},
    };
    putchar('{');
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        printf("%s\"%s\":%llu", i ? "," : "", f[i].name, (unsigned long long)f[i].v);
    putchar('}');
}

static void print_json(const char *name) {
    const char *err = rc ? sunway_emu_last_error() : NULL;
    printf("{\"case\":\"%s\",\"rc\":%d,\"error\":", name, rc);
    if (err) {
        putchar('"');
        for (const char *p = err; *p; p++) {
            if (*p == '"' || *p == '\\') putchar('\\');
            putchar(*p == '\n' ? ' ' : *p);
        }
        putchar('"');
    } else {
        printf("null");
    }
    printf(",\"check\":\"%s\"", check);
    sunway_emu_spawn_stats_t s;
    if (sunway_emu_spawn_stats(&s) == 0) {
        printf(",\"stats\":{\"kernel\":\"%s\",\"chip_is_pro\":%d,\"cgs\":%d,\"failed\":%d,"
               "\"ldm_budget\":%llu,\"max_ldm_size\":%llu,\"total\":",
               s.kernel, s.chip_is_pro, s.cgs, s.failed, (unsigned long long)s.ldm_budget,
               (unsigned long long)s.max_ldm_size);
        print_counters(&s.total);
        printf(",\"per_cg\":[");
        for (int g = 0; g < s.cgs; g++) {
            if (g) putchar(',');
            print_counters(&s.per_cg[g]);
        }
        printf("]}");
    }
    printf("}\n");
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: emu_tests <case>\n");
        return 2;
    }
    const char *c = argv[1];
    if (strcmp(c, "no_init") != 0 && athread_init() != 0) {
        rc = -1;
        print_json(c);
        return 0;
    }
    if (!strcmp(c, "stride")) case_stride();
    else if (!strcmp(c, "row_bcast")) bcast(1);
    else if (!strcmp(c, "col_bcast")) bcast(0);
    else if (!strcmp(c, "dbuf")) case_dbuf();
    else if (!strcmp(c, "p2p")) case_p2p();
    else if (!strcmp(c, "regcomm")) case_regcomm();
    else if (!strcmp(c, "reg_overrun")) MISC(k_reg_overrun);
    else if (!strcmp(c, "scale_cgs")) case_scale_cgs();
    else if (!strcmp(c, "read_before_wait")) case_read_before_wait();
    else if (!strcmp(c, "gemm")) case_gemm();
    else if (!strcmp(c, "registered_ok")) case_registered(0);
    else if (!strcmp(c, "registered_oob")) case_registered(1);
    else if (!strcmp(c, "ldm_100k")) MISC(k_ldm_100k);
    else if (!strcmp(c, "ldm_230k")) MISC(k_ldm_230k);
    else if (!strcmp(c, "direct_arg")) MISC(k_direct_arg);
    else if (!strcmp(c, "direct_data")) MISC(k_direct_data);
    else if (!strcmp(c, "dma_300k")) MISC(k_dma_300k);
    else if (!strcmp(c, "reply_global")) MISC(k_reply_global);
    else if (!strcmp(c, "ldm_leak")) MISC(k_ldm_leak);
    else if (!strcmp(c, "barrier_skip")) MISC(k_barrier_skip);
    else if (!strcmp(c, "unaligned")) MISC(k_unaligned);
    else if (!strcmp(c, "fp16")) MISC(k_fp16);
    else if (!strcmp(c, "wait_never")) MISC(k_wait_never);
    else if (!strcmp(c, "tls_big")) MISC(k_tls_big);
    else if (!strcmp(c, "no_init")) MISC(k_ldm_leak);
    else if (!strcmp(c, "recover")) {
        /* A failed spawn must leave the emulator usable: the next spawn runs and is checked. */
        MISC(k_direct_data);
        if (rc == 0) FAIL_CHECK("the faulting kernel did not fail");
        sunway_emu_clear_error();
        case_stride();
    } else {
        fprintf(stderr, "emu_tests: unknown case %s\n", c);
        return 2;
    }
    print_json(c);
    sunway_emu_shutdown();
    return 0;
}
