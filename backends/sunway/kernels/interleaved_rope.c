/*
 * interleaved_rope.c — the rotary of ChatGLM2/3 and GLM-4 over contiguous [B, H, S, d]: the pairs
 * (2i, 2i+1) of the first r = rotary_dim values of each head row rotated by θᵢ = position ·
 * base^(−2i/r); values ≥ r pass unchanged. Head rows (one head of one token) are shared out over the
 * CPEs, each fetched into LDM once, rotated in place and put back; base^(−2i/r) is computed once per
 * CPE and the angles and their cos/sin in double, as rotary.c does for rope. The decomposition moves
 * the rotated part through two regrouping copies (pairs (2i, 2i+1) ↔ (i, i + r/2)) and a concat.
 */
#include <math.h>

#include "cpe.h"

static void rotate_pairs(const sw_interleaved_rope_args *a, float *row, const double *inv_freq, int64_t position) {
    for (int64_t i = 0; i < a->rotary_dim / 2; i++) {
        const double th = (double)position * inv_freq[i], c = cos(th), s = sin(th);
        const double even = row[2 * i], odd = row[2 * i + 1];
        row[2 * i] = (float)(even * c - odd * s);
        row[2 * i + 1] = (float)(odd * c + even * s);
    }
    SW_FLOPS(15 * a->rotary_dim);
}

void sw_interleaved_rope_kernel(void *arg) {
    SW_ARGS(sw_interleaved_rope_args, a, arg);
    int64_t begin, end;
    sw_share(a.batch * a.heads * a.seq, sw_worker(&a.c), sw_workers(&a.c), &begin, &end);
    if (begin == end) return;
    const int es = sw_dtype_bytes(a.dtype);
    const size_t row_bytes = (size_t)a.dim * 4, table_bytes = (size_t)(a.rotary_dim / 2) * 8;
    float *row = ldm_malloc(row_bytes);
    double *inv_freq = ldm_malloc(table_bytes);
    for (int64_t i = 0; i < a.rotary_dim / 2; i++) inv_freq[i] = pow(a.base, -2.0 * (double)i / (double)a.rotary_dim);
    for (int64_t item = begin; item < end; item++) {  /* item = (b · heads + h) · seq + s */
        const int64_t s = item % a.seq, b = item / (a.seq * a.heads);
        sw_get_f32(row, a.x + item * a.dim * es, a.dim, a.dtype, 1);
        rotate_pairs(&a, row, inv_freq, sw_get_i32(a.positions + b * a.seq + s));
        sw_put_f32(a.out + item * a.dim * es, row, a.dim, a.dtype, 1);
    }
    ldm_free(inv_freq, table_bytes);
    ldm_free(row, row_bytes);
}
