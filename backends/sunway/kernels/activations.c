/*
 * activations.c — element-wise ops over contiguous data: scale, cast, gelu (erf or tanh), the
 * DeepNorm residual (residual · alpha + branch) and geglu (x₁ · gelu_erf(x₂ + bias), the MLP's gate).
 * Elements are shared out evenly over the CPEs and move through LDM in chunks; the arithmetic is
 * done in double (as fast as f32 on the CPE's 512-bit SIMD) and rounded once to the output dtype.
 */
#include <math.h>

#include "cpe.h"

static double gelu_erf(double x) { return 0.5 * x * erfc(-x * M_SQRT1_2); }
static double gelu_tanh(double x) { return 0.5 * x * (1.0 + tanh(0.7978845608028654 * (x + 0.044715 * x * x * x))); }

static void apply(const sw_unary_args *a, float *x, const float *y, int64_t n) {
    switch (a->op) {
        case SW_EW_SCALE:
            for (int64_t i = 0; i < n; i++) x[i] = (float)((double)x[i] * a->factor);
            SW_FLOPS(n);
            break;
        case SW_EW_GELU_ERF:
            for (int64_t i = 0; i < n; i++) x[i] = (float)gelu_erf(x[i]);
            SW_FLOPS(24 * n);
            break;
        case SW_EW_GELU_TANH:
            for (int64_t i = 0; i < n; i++) x[i] = (float)gelu_tanh(x[i]);
            SW_FLOPS(20 * n);
            break;
        case SW_EW_DEEPNORM:
            for (int64_t i = 0; i < n; i++) x[i] = (float)((double)x[i] * a->factor + (double)y[i]);
            SW_FLOPS(2 * n);
            break;
    }
}

/* Round half to even, saturating at the i32 range; NaN becomes 0 (the op's definition). */
static int32_t to_i32(float v) {
    if (v != v) return 0;
    if (v >= 2147483648.0f) return INT32_MAX;
    if (v <= -2147483648.0f) return INT32_MIN;
    const float r = floorf(v), diff = v - r;
    int64_t i = (int64_t)r;
    if (diff > 0.5f || (diff == 0.5f && (i & 1))) i++;
    return (int32_t)i;
}

/* i32 → bf16 by one rounding from the exact value (through f32 would round twice above 2^24). */
static uint16_t i32_to_bf16(int32_t v) {
    if (v == 0) return 0;
    const uint32_t sign = v < 0 ? 0x8000u : 0, mag = v < 0 ? 0u - (uint32_t)v : (uint32_t)v;
    const int top = 31 - __builtin_clz(mag);          /* value = mag, 2^top <= mag */
    uint64_t man = (uint64_t)mag << (63 - top);       /* leading one at bit 63 */
    uint64_t r = man >> 56;                           /* 1 + 7 fraction bits */
    const uint64_t rest = man & ((1ull << 56) - 1), half = 1ull << 55;
    int exp = top;
    if (rest > half || (rest == half && (r & 1))) r++;
    if (r == 0x100) { r = 0x80; exp++; }
    return (uint16_t)(sign | (uint32_t)(exp + 127) << 7 | (uint32_t)(r & 0x7f));
}

/* A cast piece: raw input bytes in `x` (LDM), the output written to `out` (LDM, may be x). */
static void cast_piece(int from, int to, void *out, const void *x, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        float v;
        if (from == SW_I32) {
            int32_t s;
            memcpy(&s, (const char *)x + 4 * i, 4);
            if (to == SW_I32) { memcpy((char *)out + 4 * i, &s, 4); continue; }
            if (to == SW_BF16) { const uint16_t h = i32_to_bf16(s); memcpy((char *)out + 2 * i, &h, 2); continue; }
            v = (float)s; /* exact below 2^24; to f16 anything larger is inf either way */
        } else {
            uint16_t h = 0;
            if (from == SW_F32) memcpy(&v, (const char *)x + 4 * i, 4);
            else { memcpy(&h, (const char *)x + 2 * i, 2); v = from == SW_BF16 ? sw_bf16_to_f32(h) : sw_f16_to_f32(h); }
        }
        if (to == SW_I32) { const int32_t s = to_i32(v); memcpy((char *)out + 4 * i, &s, 4); }
        else if (to == SW_F32) memcpy((char *)out + 4 * i, &v, 4);
        else { const uint16_t h = to == SW_BF16 ? sw_f32_to_bf16(v) : sw_f32_to_f16(v); memcpy((char *)out + 2 * i, &h, 2); }
    }
}

/* geglu's output elements [pos, pos + n) of one row: (x₁ + bias₁) · gelu_erf(x₂ + bias₂), the gate
 * first (rounded to f32 once), then the product in double. Without a bias nothing is added (−0 stays). */
static void geglu_piece(const sw_unary_args *a, float *x, float *g, float *b, int64_t pos, int64_t n) {
    const int es = sw_dtype_bytes(a->dtype);
    const int64_t c = pos % a->half, row = (pos / a->half) * 2 * a->half;
    sw_get_f32(g, a->x + (row + a->half + c) * es, n, a->dtype, 1);
    if (a->y) sw_get_f32(b, a->y + (a->half + c) * es, n, a->dtype, 1);
    for (int64_t i = 0; i < n; i++) g[i] = (float)gelu_erf(a->y ? (double)g[i] + b[i] : g[i]);
    sw_get_f32(x, a->x + (row + c) * es, n, a->dtype, 1);
    if (a->y) sw_get_f32(b, a->y + c * es, n, a->dtype, 1);
    for (int64_t i = 0; i < n; i++) x[i] = (float)((a->y ? (double)x[i] + b[i] : x[i]) * g[i]);
    SW_FLOPS(28 * n);
    sw_put_f32(a->out + pos * es, x, n, a->dtype, 1);
}

static void geglu(const sw_unary_args *a, int64_t begin, int64_t end) {
    const size_t bytes = (size_t)a->chunk * 4;
    float *x = ldm_malloc(bytes), *g = ldm_malloc(bytes), *b = a->y ? ldm_malloc(bytes) : NULL;
    for (int64_t pos = begin; pos < end;) {
        int64_t n = a->half - pos % a->half;
        if (n > end - pos) n = end - pos;
        if (n > a->chunk) n = a->chunk;
        geglu_piece(a, x, g, b, pos, n);
        pos += n;
    }
    if (b) ldm_free(b, bytes);
    ldm_free(g, bytes);
    ldm_free(x, bytes);
}

void sw_unary_kernel(void *arg) {
    SW_ARGS(sw_unary_args, a, arg);
    int64_t begin, end;
    sw_share(a.n, sw_worker(&a.c), sw_workers(&a.c), &begin, &end);
    if (begin == end) return;
    if (a.op == SW_EW_GEGLU) {
        geglu(&a, begin, end);
        return;
    }
    const size_t bytes = (size_t)a.chunk * 4;
    float *x = ldm_malloc(bytes);
    float *y = a.op == SW_EW_DEEPNORM ? ldm_malloc(bytes) : NULL;
    const int es = sw_dtype_bytes(a.dtype), in_es = sw_dtype_bytes(a.in_dtype);
    for (int64_t pos = begin; pos < end; pos += a.chunk) {
        const int64_t n = end - pos < a.chunk ? end - pos : a.chunk;
        if (a.op == SW_EW_CAST) {
            /* Converted forward in place: widening data is fetched into the buffer's tail, so
             * output i never reaches the raw bytes of element i + 1. */
            char *raw = (char *)x + (es > in_es ? n * (es - in_es) : 0);
            sw_get(raw, a.x + pos * in_es, (size_t)(n * in_es));
            cast_piece(a.in_dtype, a.dtype, x, raw, n);
            sw_put(a.out + pos * es, x, (size_t)(n * es));
            continue;
        }
        sw_get_f32(x, a.x + pos * es, n, a.dtype, 1);
        if (y) sw_get_f32(y, a.y + pos * es, n, a.dtype, 1);
        apply(&a, x, y, n);
        sw_put_f32(a.out + pos * es, x, n, a.dtype, 1);
    }
    if (y) ldm_free(y, bytes);
    ldm_free(x, bytes);
}
