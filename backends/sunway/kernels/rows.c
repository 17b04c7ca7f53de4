/*
 * rows.c — reductions and selections along rows of contiguous data: layer-norm, softmax (rows may
 * be strided: [outer, n, inner] reads a row with stride `inner`), log-sum-exp, the GLM prefix mask
 * and weight dequantization. Rows are shared out over the CPEs, one row per CPE at a time; a row that
 * fits the LDM chunk is fetched once and reduced in LDM, a longer one streams through it once per
 * pass. Sums run in double (the reference is float64; the CPE's double SIMD is as wide as its f32).
 */
#include <math.h>

#include "cpe.h"

typedef struct {
    const sw_row_args *a;
    float *buf, *aux;   /* a chunk of the row; a chunk of the weight (layer-norm) */
    int64_t chunk;
} row_ctx;

/* Elements [from, from + n) of row r (row start `base`, element stride `stride`) into buf. */
static void fetch(const row_ctx *k, const char *mem, int dtype, int64_t base, int64_t stride, int64_t from, int64_t n) {
    sw_get_f32(k->buf, mem + (base + from * stride) * sw_dtype_bytes(dtype), n, dtype, stride);
}

/* The row's mean and variance (two passes, as the reference), in double. */
static void moments(const row_ctx *k, int64_t base, double *mean, double *var) {
    const sw_row_args *a = k->a;
    const int whole = a->n <= k->chunk;
    double s = 0, q = 0;
    for (int64_t c = 0; c < a->n; c += k->chunk) {
        const int64_t n = a->n - c < k->chunk ? a->n - c : k->chunk;
        if (!whole || c == 0) fetch(k, a->x, a->dtype, base, 1, c, n);
        for (int64_t i = 0; i < n; i++) s += k->buf[i];
    }
    *mean = s / (double)a->n;
    for (int64_t c = 0; c < a->n; c += k->chunk) {
        const int64_t n = a->n - c < k->chunk ? a->n - c : k->chunk;
        if (!whole) fetch(k, a->x, a->dtype, base, 1, c, n);
        for (int64_t i = 0; i < n; i++) q += ((double)k->buf[i] - *mean) * ((double)k->buf[i] - *mean);
    }
    *var = q / (double)a->n;
    SW_FLOPS(4 * a->n);
}

static void layer_norm_row(const row_ctx *k, int64_t r) {
    const sw_row_args *a = k->a;
    const int64_t base = r * a->n;
    double mean, var;
    moments(k, base, &mean, &var);
    const double inv = 1.0 / sqrt(var + a->eps);
    const int whole = a->n <= k->chunk, es = sw_dtype_bytes(a->dtype);
    for (int64_t c = 0; c < a->n; c += k->chunk) {
        const int64_t n = a->n - c < k->chunk ? a->n - c : k->chunk;
        if (!whole) fetch(k, a->x, a->dtype, base, 1, c, n);
        sw_get_f32(k->aux, a->w + c * es, n, a->dtype, 1);
        for (int64_t i = 0; i < n; i++) k->buf[i] = (float)(((double)k->buf[i] - mean) * inv * k->aux[i]);
        sw_get_f32(k->aux, a->b + c * es, n, a->dtype, 1);
        for (int64_t i = 0; i < n; i++) k->buf[i] = (float)((double)k->buf[i] + k->aux[i]);
        sw_put_f32(a->out + (base + c) * es, k->buf, n, a->dtype, 1);
    }
    SW_FLOPS(4 * a->n);
}

/* Max and Σ exp(x − max) of a row (NaN anywhere gives a NaN max). */
static void exp_stats(const row_ctx *k, int64_t base, int64_t stride, double *max, double *sum) {
    const sw_row_args *a = k->a;
    const int whole = a->n <= k->chunk;
    double m = -INFINITY, s = 0;
    int nan = 0;
    for (int64_t c = 0; c < a->n; c += k->chunk) {
        const int64_t n = a->n - c < k->chunk ? a->n - c : k->chunk;
        if (!whole || c == 0) fetch(k, a->x, a->dtype, base, stride, c, n);
        for (int64_t i = 0; i < n; i++) { nan |= k->buf[i] != k->buf[i]; if (k->buf[i] > m) m = k->buf[i]; }
    }
    if (nan) m = NAN;
    for (int64_t c = 0; c < a->n; c += k->chunk) {
        const int64_t n = a->n - c < k->chunk ? a->n - c : k->chunk;
        if (!whole) fetch(k, a->x, a->dtype, base, stride, c, n);
        for (int64_t i = 0; i < n; i++) s += exp((double)k->buf[i] - m);
    }
    *max = m;
    *sum = s;
    SW_FLOPS(12 * a->n);
}

static void softmax_row(const row_ctx *k, int64_t r) {
    const sw_row_args *a = k->a;
    const int64_t base = (r / a->inner) * a->n * a->inner + r % a->inner;
    double m, s;
    exp_stats(k, base, a->inner, &m, &s);
    const int whole = a->n <= k->chunk, es = sw_dtype_bytes(a->dtype);
    for (int64_t c = 0; c < a->n; c += k->chunk) {
        const int64_t n = a->n - c < k->chunk ? a->n - c : k->chunk;
        if (!whole) fetch(k, a->x, a->dtype, base, a->inner, c, n);
        for (int64_t i = 0; i < n; i++) k->buf[i] = (float)(exp((double)k->buf[i] - m) / s);
        sw_put_f32(a->out + (base + c * a->inner) * es, k->buf, n, a->dtype, a->inner);
    }
}

static void log_sum_exp_row(const row_ctx *k, int64_t r) {
    const sw_row_args *a = k->a;
    double m, s;
    exp_stats(k, r * a->n, 1, &m, &s);
    /* ±inf maxima and NaN: the limit is the maximum itself (an empty row too). */
    float v = (float)(isfinite(m) ? m + log(s) : m);
    sw_put(a->out + r * 4, &v, 4);
}

/* The GLM rule (prefix bidirectional, the rest causal) over valid keys; the others get `value`. */
static void glm_mask_row(const row_ctx *k, int64_t r, int64_t valid, int32_t ctx) {
    const sw_row_args *a = k->a;
    const int64_t i = r % a->queries;
    const int64_t p = valid - a->queries + i, es = sw_dtype_bytes(a->dtype);
    for (int64_t c = 0; c < a->n; c += k->chunk) {
        const int64_t n = a->n - c < k->chunk ? a->n - c : k->chunk;
        fetch(k, a->x, a->dtype, r * a->n, 1, c, n);
        for (int64_t t = 0; t < n; t++) {
            const int64_t j = c + t;
            if (j >= valid || !(j < ctx || j <= p)) k->buf[t] = (float)a->value;
        }
        sw_put_f32(a->out + (r * a->n + c) * es, k->buf, n, a->dtype, 1);
    }
}

/* out[r, c] = q[r, c] · scale[r]: i8, or i4 packed two a byte (even element in the high nibble). */
static void dequantize_row(const row_ctx *k, int64_t r) {
    const sw_row_args *a = k->a;
    float scale;
    sw_get_f32(&scale, a->w + r * sw_dtype_bytes(a->aux_dtype), 1, a->aux_dtype, 1);
    const int i4 = a->dtype == SW_I4, es = sw_dtype_bytes(a->out_dtype);
    int8_t *raw = (int8_t *)k->aux;
    for (int64_t c = 0; c < a->n; c += k->chunk) { /* chunk is even: i4 pairs stay whole */
        const int64_t n = a->n - c < k->chunk ? a->n - c : k->chunk;
        sw_get(raw, a->x + (i4 ? (r * a->n + c) / 2 : r * a->n + c), (size_t)(i4 ? (n + 1) / 2 : n));
        for (int64_t t = 0; t < n; t++) {
            const int q = i4 ? ((((uint8_t)raw[t / 2] >> (t % 2 ? 0 : 4)) & 15) ^ 8) - 8 : raw[t];
            k->buf[t] = (float)((double)q * scale);
        }
        sw_put_f32(a->out + (r * a->n + c) * es, k->buf, n, a->out_dtype, 1);
    }
    SW_FLOPS(a->n);
}

void sw_rows_kernel(void *arg) {
    SW_ARGS(sw_row_args, a, arg);
    int64_t begin, end;
    sw_share(a.rows, sw_worker(&a.c), sw_workers(&a.c), &begin, &end);
    if (begin == end) return;
    int64_t valid = a.n;
    if (a.op == SW_ROW_GLM_MASK) {
        if (a.length) valid = sw_get_i32(a.length);
        if (valid < a.queries || valid > a.n) { sw_raise(&a.c); return; }
    }
    const size_t bytes = (size_t)a.chunk * 4;
    row_ctx k = {&a, ldm_malloc(bytes), ldm_malloc(bytes), a.chunk};
    for (int64_t r = begin; r < end; r++) {
        if (a.op == SW_ROW_LAYER_NORM) layer_norm_row(&k, r);
        else if (a.op == SW_ROW_SOFTMAX) softmax_row(&k, r);
        else if (a.op == SW_ROW_LOG_SUM_EXP) log_sum_exp_row(&k, r);
        else if (a.op == SW_ROW_DEQUANTIZE) dequantize_row(&k, r);
        else if (a.op == SW_ROW_GLM_MASK) glm_mask_row(&k, r, valid, sw_get_i32(a.context_lengths + r / (a.heads * a.queries)));
    }
    ldm_free(k.aux, bytes);
    ldm_free(k.buf, bytes);
}
