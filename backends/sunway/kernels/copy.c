/*
 * copy.c — the strided copy (data movement, gather, cache-write). The iteration shape's innermost
 * dim is a row; the rows are shared out over the CPEs, and each row moves in chunks through one LDM
 * buffer: a strided DMA get from the source view, a strided DMA put into the destination view. A
 * gather's indexed dim takes its source position from the index tensor (range-checked here: a bad
 * index raises the error flag and the row is skipped); a cache-write's destination starts at the
 * offset it reads from main memory, so its record is the same at every decode step.
 */
#include "cpe.h"

/* Main-memory offsets (in elements) of outer row `r` of the copy; -1 when its index is out of range. */
static int row_offsets(const sw_copy_args *a, int outer_dims, int64_t r, int64_t *dst, int64_t *src) {
    *dst = 0;
    *src = 0;
    for (int d = outer_dims - 1; d >= 0; d--) {
        const int64_t i = r % a->shape[d];
        r /= a->shape[d];
        int64_t from = i;
        if (d == a->index_dim) {
            from = sw_get_i32(a->indices + i);
            if (from < 0 || from >= a->index_limit) return -1;
        }
        *dst += i * a->dst_strides[d];
        *src += from * a->src_strides[d];
    }
    return 0;
}

static void copy_row(const sw_copy_args *a, char *buf, int64_t chunk, char *dst, const char *src, int64_t length, int64_t ds, int64_t ss) {
    const int es = a->elem_bytes;
    for (int64_t i = 0; i < length; i += chunk) {
        const int64_t n = length - i < chunk ? length - i : chunk;
        sw_get_elems(buf, src + i * ss * es, n, es, ss);
        sw_put_elems(dst + i * ds * es, buf, n, es, ds);
    }
}

void sw_copy_kernel(void *arg) {
    SW_ARGS(sw_copy_args, a, arg);
    const int es = a.elem_bytes;
    char *dst = a.dst;
    if (a.offset) { /* cache-write: the update goes in at the offset the caller wrote this step */
        const int32_t at = sw_get_i32(a.offset);
        if (at < 0 || at > a.max_offset) {
            if (sw_worker(&a.c) == 0) sw_raise(&a.c);
            return;
        }
        dst += (int64_t)at * a.offset_stride * es;
    }
    /* An indexed innermost dim gathers single elements: it joins the outer dims, rows are 1 long. */
    const int indexed_last = a.index_dim == a.rank - 1;
    const int outer_dims = indexed_last ? a.rank : a.rank - 1;
    const int64_t length = indexed_last ? 1 : a.shape[a.rank - 1];
    const int64_t ds = indexed_last ? 1 : a.dst_strides[a.rank - 1];
    const int64_t ss = indexed_last ? 1 : a.src_strides[a.rank - 1];
    int64_t rows = 1;
    for (int d = 0; d < outer_dims; d++) rows *= a.shape[d];
    int64_t begin, end;
    sw_share(rows, sw_worker(&a.c), sw_workers(&a.c), &begin, &end);
    if (begin == end) return;
    const int64_t chunk = a.chunk_bytes / es;
    char *buf = ldm_malloc((size_t)a.chunk_bytes);
    for (int64_t r = begin; r < end; r++) {
        int64_t d, s;
        if (row_offsets(&a, outer_dims, r, &d, &s) < 0) {
            sw_raise(&a.c);
            continue;
        }
        copy_row(&a, buf, chunk, dst + d * es, a.src + s * es, length, ds, ss);
    }
    ldm_free(buf, (size_t)a.chunk_bytes);
}
