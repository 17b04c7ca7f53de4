/*
 * attention.c — GLM attention over the KV cache: out = softmax(mask(q · kᵀ · scale)) · v, masked
 * scores set to −10000 as the release does (an all-masked row becomes uniform). A work item is a
 * block of queries of one (batch, head); the items are shared out over the CPEs. The block's queries
 * stay in LDM while the keys and values stream through it in tiles (one strided DMA each, the next
 * tile fetched while this one is used), with the running maximum and sum of an online softmax, so
 * no score matrix ever goes to main memory. Keys at positions >= length (a fixed-capacity cache's
 * unused tail) are never read; the GLM mask lets query i (at position length − Q + i) see the
 * prefix below context_length and every key up to itself.
 */
#include <math.h>

#include "mma.h"
#include "tile.h"

#define MASKED_SCORE (-10000.0f)

typedef struct {
    const sw_attention_args *a;
    float *q, *acc, *s, *k[2], *v[2], *m, *l;
    int8_t *mask;
    crts_rply_t *reply;
    long fetched;
    int64_t valid;
} attn;

static const char *row_at(const char *base, const int64_t *st, int64_t b, int64_t h, int64_t t, int es) {
    return base + (b * st[0] + h * st[1] + t * st[2]) * es;
}

static void fetch_tile(attn *w, int64_t b, int64_t h, int64_t t0, int64_t kv, int slot) {
    const sw_attention_args *a = w->a;
    const int es = sw_dtype_bytes(a->dtype);
    const int64_t kv_head = h / a->kv_group;
    tile_iget(w->k[slot], row_at(a->k, a->k_strides, b, kv_head, t0, es), kv, a->dim, a->k_strides[2], a->dtype, w->reply);
    tile_iget(w->v[slot], row_at(a->v, a->v_strides, b, kv_head, t0, es), kv, a->dim, a->v_strides[2], a->dtype, w->reply);
    w->fetched += 2;
}

/* Scores of queries [i0, i0 + nq) against keys [t0, t0 + kv), masked. */
static void scores(attn *w, int64_t b, int64_t h, int64_t i0, int64_t nq, int64_t t0, int64_t kv, int slot, int32_t ctx) {
    const sw_attention_args *a = w->a;
    memset(w->s, 0, (size_t)(nq * kv) * 4);
    dot_tile(w->s, w->q, w->k[slot], nq, kv, a->dim);
    for (int64_t i = 0; i < nq; i++) {
        float *row = w->s + i * kv;
        if (a->explicit_mask) {
            const int64_t *ms = a->mask_strides;
            sw_get_elems(w->mask, a->mask + b * ms[0] + h * ms[1] + (i0 + i) * ms[2] + t0 * ms[3], kv, 1, ms[3]);
            for (int64_t j = 0; j < kv; j++) if (w->mask[j] == 0) row[j] = MASKED_SCORE;
        } else {
            const int64_t p = w->valid - a->queries + i0 + i;
            for (int64_t j = 0; j < kv; j++) if (!(t0 + j < ctx || t0 + j <= p)) row[j] = MASKED_SCORE;
        }
    }
}

/* The online softmax's step: rescale what was summed so far to the new maxima, add this tile. */
static void accumulate(attn *w, int64_t nq, int64_t kv, int slot) {
    const int64_t d = w->a->dim;
    for (int64_t i = 0; i < nq; i++) {
        float *row = w->s + i * kv, mx = w->m[i];
        for (int64_t j = 0; j < kv; j++) mx = row[j] > mx ? row[j] : mx;
        const float alpha = expf(w->m[i] - mx);
        float sum = 0;
        for (int64_t j = 0; j < kv; j++) sum += (row[j] = expf(row[j] - mx));
        w->l[i] = w->l[i] * alpha + sum;
        w->m[i] = mx;
        for (int64_t t = 0; t < d; t++) w->acc[i * d + t] *= alpha;
    }
    SW_FLOPS(nq * (12 * kv + d));
    mma_tile(w->acc, d, w->s, w->v[slot], nq, d, kv);
}

static void run_block(attn *w, int64_t b, int64_t h, int64_t i0, int64_t nq) {
    const sw_attention_args *a = w->a;
    const int es = sw_dtype_bytes(a->dtype);
    const int64_t d = a->dim;
    const int32_t ctx = a->explicit_mask ? 0 : sw_get_i32(a->context_lengths + b);
    tile_get(w->q, row_at(a->q, a->q_strides, b, h, i0, es), nq, d, a->q_strides[2], a->dtype);
    for (int64_t x = 0; x < nq * d; x++) w->q[x] *= (float)a->scale;
    memset(w->acc, 0, (size_t)(nq * d) * 4);
    for (int64_t i = 0; i < nq; i++) w->m[i] = -INFINITY, w->l[i] = 0;
    const int64_t tiles = (w->valid + a->key_tile - 1) / a->key_tile;
    fetch_tile(w, b, h, 0, w->valid < a->key_tile ? w->valid : a->key_tile, 0);
    for (int64_t t = 0; t < tiles; t++) {
        const int64_t t0 = t * a->key_tile, kv = w->valid - t0 < a->key_tile ? w->valid - t0 : a->key_tile;
        CRTS_dma_wait_value(w->reply, w->fetched);
        if (t + 1 < tiles) {
            const int64_t n0 = t0 + a->key_tile;
            fetch_tile(w, b, h, n0, w->valid - n0 < a->key_tile ? w->valid - n0 : a->key_tile, (int)((t + 1) % 2));
        }
        tile_widen(w->k[t % 2], kv * d, a->dtype);
        tile_widen(w->v[t % 2], kv * d, a->dtype);
        scores(w, b, h, i0, nq, t0, kv, (int)(t % 2), ctx);
        accumulate(w, nq, kv, (int)(t % 2));
    }
    for (int64_t i = 0; i < nq; i++)
        for (int64_t x = 0; x < d; x++) w->acc[i * d + x] /= w->l[i];
    tile_put((char *)row_at(a->out, a->out_strides, b, h, i0, es), w->acc, nq, d, a->out_strides[2], a->dtype);
}

/* The LDM of one CPE's work, allocated in order and freed in reverse (alloc = 0). */
static void attn_ldm(attn *w, int alloc) {
    const sw_attention_args *a = w->a;
    const int64_t nq = a->query_block, kt = a->key_tile, d = a->dim;
    void **bufs[] = {(void **)&w->q, (void **)&w->acc, (void **)&w->s, (void **)&w->k[0], (void **)&w->k[1],
                     (void **)&w->v[0], (void **)&w->v[1], (void **)&w->m, (void **)&w->l, (void **)&w->mask, (void **)&w->reply};
    const size_t sizes[] = {(size_t)(nq * d) * 4, (size_t)(nq * d) * 4, (size_t)(nq * kt) * 4, (size_t)(kt * d) * 4, (size_t)(kt * d) * 4,
                            (size_t)(kt * d) * 4, (size_t)(kt * d) * 4, (size_t)nq * 4, (size_t)nq * 4, (size_t)kt, sizeof(crts_rply_t)};
    const int count = (int)(sizeof sizes / sizeof sizes[0]);
    if (alloc) for (int i = 0; i < count; i++) *bufs[i] = ldm_malloc(sizes[i]);
    else for (int i = count - 1; i >= 0; i--) ldm_free(*bufs[i], sizes[i]);
}

void sw_attention_kernel(void *arg) {
    SW_ARGS(sw_attention_args, a, arg);
    attn w = {.a = &a, .valid = a.keys};
    if (a.length) {
        w.valid = sw_get_i32(a.length);
        if (w.valid < a.queries || w.valid > a.keys) {
            if (sw_worker(&a.c) == 0) sw_raise(&a.c);
            return;
        }
    }
    const int64_t blocks = (a.queries + a.query_block - 1) / a.query_block;
    int64_t begin, end;
    sw_share(a.batch * a.heads * blocks, sw_worker(&a.c), sw_workers(&a.c), &begin, &end);
    if (begin == end) return;
    attn_ldm(&w, 1);
    *w.reply = 0;
    for (int64_t item = begin; item < end; item++) {
        const int64_t bh = item / blocks, i0 = item % blocks * a.query_block;
        const int64_t nq = a.queries - i0 < a.query_block ? a.queries - i0 : a.query_block;
        run_block(&w, bh / a.heads, bh % a.heads, i0, nq);
    }
    attn_ldm(&w, 0);
}
