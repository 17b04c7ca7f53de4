/*
 * swiglu.c — SwiGLU of ChatGLM2/3 and GLM-4: out[r, i] = silu(x[r, i]) · x[r, half + i] with
 * silu(a) = a / (1 + e^−a); the FIRST half is the gate (geglu, activations.c, gates the second).
 * Output elements are shared out evenly over the CPEs and move through LDM in chunks that stay within
 * a row; the arithmetic is done in double and rounded once to the output dtype. One read of each half
 * and one write, where the decomposition builds the sigmoid from a softmax over a new axis of 2.
 */
#include <math.h>

#include "cpe.h"

/* Output elements [pos, pos + n) of one row. */
static void swiglu_piece(const sw_unary_args *a, float *gate, float *up, int64_t pos, int64_t n) {
    const int es = sw_dtype_bytes(a->dtype);
    const int64_t c = pos % a->half, row = (pos / a->half) * 2 * a->half;
    sw_get_f32(gate, a->x + (row + c) * es, n, a->dtype, 1);
    sw_get_f32(up, a->x + (row + a->half + c) * es, n, a->dtype, 1);
    for (int64_t i = 0; i < n; i++) {
        const double g = gate[i];
        up[i] = (float)(g / (1.0 + exp(-g)) * (double)up[i]);
    }
    SW_FLOPS(24 * n);
    sw_put_f32(a->out + pos * es, up, n, a->dtype, 1);
}

void sw_swiglu_kernel(void *arg) {
    SW_ARGS(sw_unary_args, a, arg);
    int64_t begin, end;
    sw_share(a.n, sw_worker(&a.c), sw_workers(&a.c), &begin, &end);
    if (begin == end) return;
    const size_t bytes = (size_t)a.chunk * 4;
    float *gate = ldm_malloc(bytes), *up = ldm_malloc(bytes);
    for (int64_t pos = begin; pos < end;) {
        int64_t n = a.half - pos % a.half;
        if (n > end - pos) n = end - pos;
        if (n > a.chunk) n = a.chunk;
        swiglu_piece(&a, gate, up, pos, n);
        pos += n;
    }
    ldm_free(up, bytes);
    ldm_free(gate, bytes);
}
