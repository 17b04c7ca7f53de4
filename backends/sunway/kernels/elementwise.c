/*
 * elementwise.c — add, mul and masked-fill over a merged shape whose output is contiguous and whose
 * inputs are any strided or broadcast views. The output's elements are shared out evenly over the
 * CPEs (rows may be few and long); each CPE walks its share in pieces that stay within one row,
 * fetching each input piece with one strided DMA, so a transposed or broadcast operand costs no copy.
 */
#include "cpe.h"

/* Element offsets of position `row` of the outer dims (all but the last) in a strided operand. */
static int64_t outer_offset(const sw_binary_args *a, const int64_t *strides, int64_t row) {
    int64_t off = 0;
    for (int d = a->rank - 2; d >= 0; d--) {
        off += (row % a->shape[d]) * strides[d];
        row /= a->shape[d];
    }
    return off;
}

static void combine_f32(int op, float *x, const float *y, int64_t n) {
    if (op == SW_BIN_ADD) for (int64_t i = 0; i < n; i++) x[i] += y[i];
    else for (int64_t i = 0; i < n; i++) x[i] *= y[i];
    SW_FLOPS(n);
}

static void combine_i32(int op, int32_t *x, const int32_t *y, int64_t n) {
    /* i32 arithmetic wraps (two's complement), as the reference's rounding to i32 of exact sums does in range. */
    if (op == SW_BIN_ADD) for (int64_t i = 0; i < n; i++) x[i] = (int32_t)((uint32_t)x[i] + (uint32_t)y[i]);
    else for (int64_t i = 0; i < n; i++) x[i] = (int32_t)((uint32_t)x[i] * (uint32_t)y[i]);
}

static void fill_masked(float *x, const int8_t *mask, int64_t n, float value) {
    for (int64_t i = 0; i < n; i++) if (mask[i] == 0) x[i] = value;
}

/* One piece: n elements of one row starting at flat output position `pos`. */
static void piece(const sw_binary_args *a, float *xa, void *xb, int64_t pos, int64_t n) {
    const int last = a->rank - 1;
    const int64_t length = a->shape[last], row = pos / length, col = pos % length;
    const int64_t oa = outer_offset(a, a->a_strides, row) + col * a->a_strides[last];
    const int64_t ob = outer_offset(a, a->b_strides, row) + col * a->b_strides[last];
    if (a->dtype == SW_I32) {
        sw_get_elems(xa, a->a + oa * 4, n, 4, a->a_strides[last]);
        sw_get_elems(xb, a->b + ob * 4, n, 4, a->b_strides[last]);
        combine_i32(a->op, (int32_t *)xa, xb, n);
        sw_put(a->out + pos * 4, xa, (size_t)n * 4);
        return;
    }
    const int es = sw_dtype_bytes(a->dtype);
    sw_get_f32(xa, a->a + oa * es, n, a->dtype, a->a_strides[last]);
    if (a->op == SW_BIN_MASKED_FILL) {
        sw_get_elems(xb, a->b + ob, n, 1, a->b_strides[last]);
        fill_masked(xa, xb, n, (float)a->value);
    } else {
        sw_get_f32(xb, a->b + ob * es, n, a->dtype, a->b_strides[last]);
        combine_f32(a->op, xa, xb, n);
    }
    sw_put_f32(a->out + pos * es, xa, n, a->dtype, 1);
}

void sw_binary_kernel(void *arg) {
    SW_ARGS(sw_binary_args, a, arg);
    int64_t total = 1;
    for (int d = 0; d < a.rank; d++) total *= a.shape[d];
    int64_t begin, end;
    sw_share(total, sw_worker(&a.c), sw_workers(&a.c), &begin, &end);
    if (begin == end) return;
    const size_t bytes = (size_t)a.chunk * 4;
    float *xa = ldm_malloc(bytes);
    void *xb = ldm_malloc(bytes);
    const int64_t length = a.shape[a.rank - 1];
    for (int64_t pos = begin; pos < end;) {
        int64_t n = length - pos % length;
        if (n > end - pos) n = end - pos;
        if (n > a.chunk) n = a.chunk;
        piece(&a, xa, xb, pos, n);
        pos += n;
    }
    ldm_free(xb, bytes);
    ldm_free(xa, bytes);
}
