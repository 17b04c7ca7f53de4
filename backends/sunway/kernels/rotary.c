/*
 * rotary.c — rotary position embedding: rope over [B, H, S, d] views, qkv-bias-rope (the QKV bias,
 * the head split and the rope of q and k in one pass over the fused projection, writing the keys and
 * values straight into a donated KV cache at the offset it reads), and the cos/sin tables. Rows
 * (one head of one token) are shared out over the CPEs; the angles θᵢ = position · base^(−2i/width)
 * and their cos/sin are computed in double, the rotate-half pairing i ↔ i + width/2 as the release.
 */
#include <math.h>

#include "cpe.h"

typedef struct {
    const sw_rotary_args *a;
    float *x, *y;          /* a row in, a row out (3 · dim for qkv) */
    double *inv_freq;      /* base^(−2i/width) for the row's widths */
} rot;

/* Rotate `width` values of x by `position` into y (inv_freq was filled for this width). */
static void rotate(const rot *r, const float *x, float *y, int64_t width, int64_t position) {
    const int64_t half = width / 2;
    const double *inv = r->inv_freq;
    for (int64_t i = 0; i < half; i++) {
        const double th = (double)position * inv[i], c = cos(th), s = sin(th);
        y[i] = (float)((double)x[i] * c - (double)x[i + half] * s);
        y[i + half] = (float)((double)x[i + half] * c + (double)x[i] * s);
    }
    SW_FLOPS(30 * width);
}

/* One head row: 1-D over the whole row, or 2-D (a block position) the halves separately. */
static void rotate_row(const rot *r, const float *x, float *y, int64_t d, int64_t pos, int64_t block_pos, int two_d) {
    if (!two_d) {
        rotate(r, x, y, d, pos);
        return;
    }
    rotate(r, x, y, d / 2, pos);
    rotate(r, x + d / 2, y + d / 2, d / 2, block_pos);
}

static void fill_inv_freq(rot *r, int64_t width) {
    for (int64_t i = 0; i < width / 2; i++) r->inv_freq[i] = pow(r->a->base, -2.0 * (double)i / (double)width);
}

static const char *at4(const char *base, const int64_t *st, int64_t b, int64_t h, int64_t s, int es) {
    return base + (b * st[0] + h * st[1] + s * st[2]) * es;
}

static void rope_row(const rot *r, int64_t row) {
    const sw_rotary_args *a = r->a;
    const int es = sw_dtype_bytes(a->dtype);
    const int64_t s = row % a->seq, h = row / a->seq % a->heads, b = row / (a->seq * a->heads), token = b * a->seq + s;
    sw_get_f32(r->x, at4(a->x, a->x_strides, b, h, s, es), a->dim, a->dtype, a->x_strides[3]);
    const int64_t pos = sw_get_i32(a->positions + token), block = a->block_positions ? sw_get_i32(a->block_positions + token) : 0;
    rotate_row(r, r->x, r->y, a->dim, pos, block, a->block_positions != NULL);
    sw_put_f32((char *)at4(a->out[0], a->out_strides[0], b, h, s, es), r->y, a->dim, a->dtype, a->out_strides[0][3]);
}

/* Head h of token (b, s) of the fused projection: bias, rope of q and k, and the writes. */
static void qkv_row(const rot *r, int64_t item, int32_t offset) {
    const sw_rotary_args *a = r->a;
    const int es = sw_dtype_bytes(a->dtype);
    const int64_t d = a->dim, h = item % a->heads, token = item / a->heads, b = token / a->seq, s = token % a->seq;
    sw_get_f32(r->x, a->x + (token * 3 * a->heads + 3 * h) * d * es, 3 * d, a->dtype, 1);
    if (a->bias) {
        sw_get_f32(r->y, a->bias + 3 * h * d * es, 3 * d, a->dtype, 1);
        for (int64_t i = 0; i < 3 * d; i++) r->x[i] = (float)((double)r->x[i] + r->y[i]);
    }
    const int64_t pos = sw_get_i32(a->positions + token), block = a->block_positions ? sw_get_i32(a->block_positions + token) : 0;
    rotate_row(r, r->x, r->y, d, pos, block, a->block_positions != NULL);
    rotate_row(r, r->x + d, r->y + d, d, pos, block, a->block_positions != NULL);
    memcpy(r->y + 2 * d, r->x + 2 * d, (size_t)d * 4);
    /* Caches first: sw_put_f32 narrows its buffer in place, so each part is put from a fresh copy. */
    for (int part = 0; part < 3; part++) {
        float *src = r->y + part * d;
        if (part > 0 && a->cache[part - 1]) {
            memcpy(r->x, src, (size_t)d * 4);
            const int64_t *cs = a->cache_strides[part - 1];
            sw_put_f32((char *)at4(a->cache[part - 1], cs, b, h, offset + s, es), r->x, d, a->dtype, cs[3]);
        }
        if (a->out[part]) sw_put_f32((char *)at4(a->out[part], a->out_strides[part], b, h, s, es), src, d, a->dtype, a->out_strides[part][3]);
    }
}

static void table_row(const rot *r, int64_t token) {
    const sw_rotary_args *a = r->a;
    const int64_t pos = sw_get_i32(a->positions + token), half = a->dim / 2;
    for (int64_t i = 0; i < half; i++) {
        const double th = (double)pos * r->inv_freq[i];
        r->x[i] = r->x[i + half] = (float)cos(th);
        r->y[i] = r->y[i + half] = (float)sin(th);
    }
    SW_FLOPS(20 * a->dim);
    sw_put(a->out[0] + token * a->dim * 4, r->x, (size_t)a->dim * 4);
    sw_put(a->out[1] + token * a->dim * 4, r->y, (size_t)a->dim * 4);
}

void sw_rotary_kernel(void *arg) {
    SW_ARGS(sw_rotary_args, a, arg);
    int32_t offset = 0;
    if (a.offset) {
        offset = sw_get_i32(a.offset);
        if (offset < 0 || offset > a.max_offset) {
            if (sw_worker(&a.c) == 0) sw_raise(&a.c);
            return;
        }
    }
    const int64_t items = a.kind == SW_ROT_TABLE ? a.batch * a.seq : a.batch * a.heads * a.seq;
    int64_t begin, end;
    sw_share(items, sw_worker(&a.c), sw_workers(&a.c), &begin, &end);
    if (begin == end) return;
    const size_t row = (size_t)(3 * a.dim) * 4, table = (size_t)(a.dim / 2 + 1) * 8;
    rot r = {&a, ldm_malloc(row), ldm_malloc(row), ldm_malloc(table)};
    fill_inv_freq(&r, a.block_positions ? a.dim / 2 : a.dim);
    for (int64_t i = begin; i < end; i++) {
        if (a.kind == SW_ROT_ROPE) rope_row(&r, i);
        else if (a.kind == SW_ROT_QKV) qkv_row(&r, i, offset);
        else table_row(&r, i);
    }
    ldm_free(r.inv_freq, table);
    ldm_free(r.y, row);
    ldm_free(r.x, row);
}
