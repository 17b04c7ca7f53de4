/*
 * gemv.c — C = A · B (+ bias) (+ beta · addend) for a few rows of A (decode: one token per batch row),
 * where the mesh GEMM would leave most CPEs idle and the product is bound by reading B (the weights)
 * once. Output columns are cut into blocks of bn, shared out over every CPE of every core group; a CPE
 * takes its consecutive blocks in passes of up to `pass` blocks and streams K in chunks of bk: each
 * chunk of A (all m rows) is fetched once per pass, each block's chunk of B once, by strided DMA, the
 * next one while this one is multiplied (double buffering). C stays in LDM until the epilogue. B as
 * [n, k] (linear's weight rows) is a dot product per element, B as [k, n] the micro-kernel of mma.h.
 */
#include "mma.h"
#include "tile.h"

typedef struct {
    const sw_gemm_args *a;
    float *ab[2], *bb[2], *acc, *scratch;
    crts_rply_t *reply;
    long fetched;
    const char *am, *bm;  /* this pass's batch entry of A and B */
    char *out;
    int64_t j0, blocks;   /* its first column and its number of blocks */
} gemv;

static int64_t min64(int64_t x, int64_t y) { return x < y ? x : y; }
static int64_t cols_of(const gemv *g, int64_t blk) { return min64(g->a->bn, g->a->n - g->j0 - blk * g->a->bn); }
static int64_t kv_of(const gemv *g, int64_t q) { return min64(g->a->bk, g->a->k - q * g->a->bk); }

static void fetch_a(gemv *g, int64_t q) {
    const sw_gemm_args *s = g->a;
    tile_iget(g->ab[q % 2], g->am + q * s->bk * sw_dtype_bytes(s->type_a), s->m, kv_of(g, q), s->lda, s->type_a, g->reply);
    g->fetched++;
}

/* Block blk's chunk q of B, into bb[step % 2]. */
static void fetch_b(gemv *g, int64_t q, int64_t blk, int64_t step) {
    const sw_gemm_args *s = g->a;
    const int64_t j = g->j0 + blk * s->bn, kk = q * s->bk, es = sw_dtype_bytes(s->type_b);
    if (s->trans_b) tile_iget(g->bb[step % 2], g->bm + (j * s->ldb + kk) * es, cols_of(g, blk), kv_of(g, q), s->ldb, s->type_b, g->reply);
    else tile_iget(g->bb[step % 2], g->bm + (kk * s->ldb + j) * es, kv_of(g, q), cols_of(g, blk), s->ldb, s->type_b, g->reply);
    g->fetched++;
}

/* Bias, beta · addend, and the put of block blk's m x cb columns of C. */
static void finish_block(gemv *g, int64_t blk) {
    const sw_gemm_args *s = g->a;
    const int esc = sw_dtype_bytes(s->type_c);
    const int64_t j = g->j0 + blk * s->bn, cb = cols_of(g, blk);
    float *acc = g->acc + blk * s->m * s->bn;
    if (s->bias) {
        sw_get_f32(g->scratch, s->bias + j * esc, cb, s->type_c, 1);
        for (int64_t i = 0; i < s->m; i++)
            for (int64_t y = 0; y < cb; y++) acc[i * cb + y] += g->scratch[y];
    }
    if (s->addend) {
        tile_get(g->scratch, s->addend + j * esc, s->m, cb, s->n, s->type_c);
        for (int64_t x = 0; x < s->m * cb; x++) acc[x] = (float)((double)acc[x] + s->beta * g->scratch[x]);
    }
    SW_FLOPS(3 * s->m * cb);
    tile_put(g->out + j * esc, acc, s->m, cb, s->ldc, s->type_c);
}

/* Steps (chunk q, block blk) in order; each fetches the next step's operands before multiplying. */
static void run_pass(gemv *g) {
    const sw_gemm_args *s = g->a;
    const int64_t chunks = (s->k + s->bk - 1) / s->bk;
    memset(g->acc, 0, (size_t)(g->blocks * s->m * s->bn) * 4);
    fetch_a(g, 0);
    fetch_b(g, 0, 0, 0);
    for (int64_t q = 0, step = 0; q < chunks; q++) {
        for (int64_t blk = 0; blk < g->blocks; blk++, step++) {
            CRTS_dma_wait_value(g->reply, g->fetched);
            if (blk + 1 < g->blocks) fetch_b(g, q, blk + 1, step + 1);
            else if (q + 1 < chunks) fetch_a(g, q + 1), fetch_b(g, q + 1, 0, step + 1);
            if (blk == 0) tile_widen(g->ab[q % 2], s->m * kv_of(g, q), s->type_a);
            tile_widen(g->bb[step % 2], cols_of(g, blk) * kv_of(g, q), s->type_b);
            float *acc = g->acc + blk * s->m * s->bn;
            if (s->trans_b) dot_tile(acc, g->ab[q % 2], g->bb[step % 2], s->m, cols_of(g, blk), kv_of(g, q));
            else mma_tile(acc, cols_of(g, blk), g->ab[q % 2], g->bb[step % 2], s->m, cols_of(g, blk), kv_of(g, q));
        }
    }
    for (int64_t blk = 0; blk < g->blocks; blk++) finish_block(g, blk);
}

/* This CPE's items [begin, end) in passes: consecutive blocks of one batch entry, at most `pass`. */
static void run_share(gemv *g, int64_t begin, int64_t end) {
    const sw_gemm_args *s = g->a;
    const int64_t per_batch = (s->n + s->bn - 1) / s->bn;
    for (int64_t item = begin; item < end;) {
        const int64_t bi = item / per_batch, first = item % per_batch;
        g->blocks = min64(min64(s->pass, end - item), per_batch - first);
        g->am = s->a + bi * s->stride_a * sw_dtype_bytes(s->type_a);
        g->bm = s->b + bi * s->stride_b * sw_dtype_bytes(s->type_b);
        g->out = s->out + bi * s->stride_c * sw_dtype_bytes(s->type_c);
        g->j0 = first * s->bn;
        run_pass(g);
        item += g->blocks;
    }
}

void sw_gemv_kernel(void *arg) {
    SW_ARGS(sw_gemm_args, a, arg);
    const int64_t items = a.batch * ((a.n + a.bn - 1) / a.bn);
    int64_t begin, end;
    sw_share(items, sw_worker(&a.c), sw_workers(&a.c), &begin, &end);
    if (begin == end) return;
    const size_t pa = (size_t)(a.m * a.bk) * 4, pb = (size_t)(a.bn * a.bk) * 4, pc = (size_t)(a.m * a.bn) * 4;
    const size_t ps = pc > (size_t)a.bn * 4 ? pc : (size_t)a.bn * 4;
    gemv g = {.a = &a};
    g.ab[0] = ldm_malloc(pa), g.ab[1] = ldm_malloc(pa), g.bb[0] = ldm_malloc(pb), g.bb[1] = ldm_malloc(pb);
    g.acc = ldm_malloc(pc * (size_t)a.pass), g.scratch = ldm_malloc(ps);
    g.reply = ldm_malloc(sizeof(crts_rply_t));
    *g.reply = 0;
    run_share(&g, begin, end);
    ldm_free((void *)g.reply, sizeof(crts_rply_t));
    ldm_free(g.scratch, ps), ldm_free(g.acc, pc * (size_t)a.pass);
    ldm_free(g.bb[1], pb), ldm_free(g.bb[0], pb), ldm_free(g.ab[1], pa), ldm_free(g.ab[0], pa);
}
