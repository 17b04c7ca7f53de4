/*
 * rms_norm.c — RMSNorm of ChatGLM2/3 and GLM-4 over rows of contiguous [rows, n] data:
 * out = x / sqrt(mean(x²) + eps) · w, no mean subtracted and no bias. Rows are shared out over the
 * CPEs, one row per CPE at a time; a row that fits the LDM chunk is fetched once, a longer one streams
 * through it twice (sum of squares, then the scaled output). The sum runs in double, as rows.c's
 * layer-norm does; where the decomposition (layer-norm of [x, −x]) moves a row twice as wide.
 */
#include <math.h>

#include "cpe.h"

static void rms_norm_row(const sw_row_args *a, float *buf, float *w, int64_t r) {
    const int64_t base = r * a->n;
    const int whole = a->n <= a->chunk, es = sw_dtype_bytes(a->dtype);
    double squares = 0;
    for (int64_t c = 0; c < a->n; c += a->chunk) {
        const int64_t n = a->n - c < a->chunk ? a->n - c : a->chunk;
        sw_get_f32(buf, a->x + (base + c) * es, n, a->dtype, 1);
        for (int64_t i = 0; i < n; i++) squares += (double)buf[i] * buf[i];
    }
    const double inv = 1.0 / sqrt(squares / (double)a->n + a->eps);
    for (int64_t c = 0; c < a->n; c += a->chunk) {
        const int64_t n = a->n - c < a->chunk ? a->n - c : a->chunk;
        if (!whole) sw_get_f32(buf, a->x + (base + c) * es, n, a->dtype, 1);
        sw_get_f32(w, a->w + c * es, n, a->dtype, 1);
        for (int64_t i = 0; i < n; i++) buf[i] = (float)((double)buf[i] * inv * w[i]);
        sw_put_f32(a->out + (base + c) * es, buf, n, a->dtype, 1);
    }
    SW_FLOPS(4 * a->n);
}

void sw_rms_norm_kernel(void *arg) {
    SW_ARGS(sw_row_args, a, arg);
    int64_t begin, end;
    sw_share(a.rows, sw_worker(&a.c), sw_workers(&a.c), &begin, &end);
    if (begin == end) return;
    const size_t bytes = (size_t)a.chunk * 4;
    float *buf = ldm_malloc(bytes), *w = ldm_malloc(bytes);
    for (int64_t r = begin; r < end; r++) rms_norm_row(&a, buf, w, r);
    ldm_free(w, bytes);
    ldm_free(buf, bytes);
}
