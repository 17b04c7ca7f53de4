/* Argument structs shared by the emulator's test kernels and their host driver (driver.c).
 * Pointers are main memory: the host tags them with sunway_emu_main_ptr. */
#ifndef K_ARGS_H
#define K_ARGS_H

typedef struct {
    const float *in;
    float *out;
    long rows, cols; /* row-major rows x cols; CPE t owns columns [t * cols/64, (t+1) * cols/64) */
} k_stride_arg;

typedef struct {
    const float *vec; /* 8 vectors of 32 floats, one per row (or column) */
    float *out;       /* 64 x 32: what each CPE received */
} k_bcast_arg;

typedef struct {
    const float *x;   /* 64 CPEs x chunks x chunk floats */
    float *partial;   /* one per CPE */
    long chunks, chunk;
} k_dbuf_arg;

typedef struct {
    float *out;       /* per CPE: what it observed (tests) */
    const float *in;
    long n;
} k_misc_arg;

typedef struct {
    const float *a, *b; /* m x k, k x n */
    float *c;           /* m x n */
    long m, n, k;       /* m = n = 256 (8 x 8 CPEs x 32) */
} k_gemm_arg;

#endif
