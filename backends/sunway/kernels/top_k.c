/*
 * top_k.c — the k first elements of each row in the op's total order: larger values first, NaN
 * above everything (all NaNs equal), −0 equal to +0, then the lower index. Phase 0 shares (row,
 * segment) items over every CPE of every core group, so one vocabulary-wide row keeps them all busy;
 * each keeps its segment's k best in LDM, sorted, as elements stream through a chunk buffer. Phase 1
 * (a second spawn: CPEs of different core groups share no barrier) merges each row's candidates.
 */
#include "cpe.h"

typedef struct {
    float *v;
    int32_t *i;
    int count, k;
} best;

/* Does (a, ia) rank before (b, ib)? */
static int ranks_before(float a, int32_t ia, float b, int32_t ib) {
    const int na = a != a, nb = b != b;
    if (na != nb) return na;
    if (!na && a != b) return a > b;
    return ia < ib;
}

static void offer(best *t, float v, int32_t i) {
    if (t->count == t->k && !ranks_before(v, i, t->v[t->k - 1], t->i[t->k - 1])) return;
    int at = t->count < t->k ? t->count++ : t->k - 1;
    for (; at > 0 && ranks_before(v, i, t->v[at - 1], t->i[at - 1]); at--) t->v[at] = t->v[at - 1], t->i[at] = t->i[at - 1];
    t->v[at] = v;
    t->i[at] = i;
}

/* Candidates never chosen over a real element: the lowest value with the highest index. */
static void pad(best *t) {
    while (t->count < t->k) t->v[t->count] = -__builtin_inff(), t->i[t->count++] = INT32_MAX;
}

static void segment(const sw_topk_args *a, best *t, float *buf, int64_t item) {
    const int64_t r = item / a->segments, g = item % a->segments;
    const int64_t from = g * a->seg_len, to = from + a->seg_len < a->n ? from + a->seg_len : a->n;
    const int es = sw_dtype_bytes(a->dtype);
    t->count = 0;
    for (int64_t c = from; c < to; c += a->chunk) {
        const int64_t n = to - c < a->chunk ? to - c : a->chunk;
        sw_get_f32(buf, a->x + (r * a->n + c) * es, n, a->dtype, 1);
        for (int64_t e = 0; e < n; e++) offer(t, buf[e], (int32_t)(c + e));
    }
    pad(t);
    if (a->segments == 1) {
        sw_put(a->values + r * a->k, t->v, (size_t)a->k * 4);
        sw_put(a->indices + r * a->k, t->i, (size_t)a->k * 4);
        return;
    }
    for (int e = 0; e < a->k; e++) memcpy((char *)buf + 8 * e, &t->v[e], 4), memcpy((char *)buf + 8 * e + 4, &t->i[e], 4);
    sw_put(a->scratch + (r * a->segments + g) * a->k * 8, buf, (size_t)a->k * 8);
}

static void merge(const sw_topk_args *a, best *t, float *buf, int64_t r) {
    const int64_t total = a->segments * a->k, per = a->chunk / 2;
    t->count = 0;
    for (int64_t c = 0; c < total; c += per) {
        const int64_t n = total - c < per ? total - c : per;
        sw_get(buf, a->scratch + (r * total + c) * 8, (size_t)n * 8);
        for (int64_t e = 0; e < n; e++) {
            float v;
            int32_t i;
            memcpy(&v, (char *)buf + 8 * e, 4);
            memcpy(&i, (char *)buf + 8 * e + 4, 4);
            offer(t, v, i);
        }
    }
    sw_put(a->values + r * a->k, t->v, (size_t)a->k * 4);
    sw_put(a->indices + r * a->k, t->i, (size_t)a->k * 4);
}

void sw_top_k_kernel(void *arg) {
    SW_ARGS(sw_topk_args, a, arg);
    const int64_t items = a.phase == 0 ? a.rows * a.segments : a.rows;
    int64_t begin, end;
    sw_share(items, sw_worker(&a.c), sw_workers(&a.c), &begin, &end);
    if (begin == end) return;
    const size_t kb = (size_t)a.k * 4, cb = (size_t)a.chunk * 4;
    best t = {ldm_malloc(kb), ldm_malloc(kb), 0, a.k};
    float *buf = ldm_malloc(cb);
    for (int64_t item = begin; item < end; item++) {
        if (a.phase == 0) segment(&a, &t, buf, item);
        else merge(&a, &t, buf, item);
    }
    ldm_free(buf, cb);
    ldm_free(t.i, kb);
    ldm_free(t.v, kb);
}
