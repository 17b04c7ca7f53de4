/*
 * gemv.c — C = A · B (+ bias) (+ beta · addend) for a few rows of A (decode: one token per batch row),
 * where the mesh GEMM would leave most CPEs idle and the product is bound by reading B (the weights)
 * once. Output columns are cut into blocks of bn, shared out over every CPE of every core group; a CPE
 * streams its block of B through LDM in chunks of bk along K with strided DMA, fetching chunk q + 1
 * (of A and of B) while it multiplies chunk q (double buffering), and keeps its bn columns of C for
 * all m rows in LDM until the epilogue. B as [n, k] (linear's weight rows) is a dot product per
 * element, B as [k, n] the micro-kernel of mma.h.
 */
#include "mma.h"
#include "tile.h"

typedef struct {
    const sw_gemm_args *a;
    float *ab[2], *bb[2], *acc, *scratch;
    crts_rply_t *reply;
    long fetched;
} gemv;

static int64_t min64(int64_t x, int64_t y) { return x < y ? x : y; }

/* Start fetching chunk q of A (all m rows) and of this block's B columns [j, j + cb) into buffers q % 2. */
static void fetch_chunk(gemv *g, const char *a, const char *b, int64_t j, int64_t cb, int64_t q) {
    const sw_gemm_args *s = g->a;
    const int64_t kk = q * s->bk, kv = min64(s->bk, s->k - kk);
    const int esa = sw_dtype_bytes(s->type_a), esb = sw_dtype_bytes(s->type_b);
    tile_iget(g->ab[q % 2], a + kk * esa, s->m, kv, s->lda, s->type_a, g->reply);
    if (s->trans_b) tile_iget(g->bb[q % 2], b + (j * s->ldb + kk) * esb, cb, kv, s->ldb, s->type_b, g->reply);
    else tile_iget(g->bb[q % 2], b + (kk * s->ldb + j) * esb, kv, cb, s->ldb, s->type_b, g->reply);
    g->fetched += 2;
}

static void finish_columns(gemv *g, char *out, int64_t j, int64_t cb) {
    const sw_gemm_args *s = g->a;
    const int esc = sw_dtype_bytes(s->type_c);
    if (s->bias) {
        sw_get_f32(g->scratch, s->bias + j * esc, cb, s->type_c, 1);
        for (int64_t i = 0; i < s->m; i++)
            for (int64_t y = 0; y < cb; y++) g->acc[i * cb + y] += g->scratch[y];
    }
    if (s->addend) {
        tile_get(g->scratch, s->addend + j * esc, s->m, cb, s->n, s->type_c);
        for (int64_t x = 0; x < s->m * cb; x++) g->acc[x] = (float)((double)g->acc[x] + s->beta * g->scratch[x]);
    }
    SW_FLOPS(3 * s->m * cb);
    tile_put(out + j * esc, g->acc, s->m, cb, s->ldc, s->type_c);
}

/* Column block `item` of batch entry `item / blocks`. */
static void run_block(gemv *g, int64_t item) {
    const sw_gemm_args *s = g->a;
    const int64_t blocks = (s->n + s->bn - 1) / s->bn, bi = item / blocks;
    const int64_t j = item % blocks * s->bn, cb = min64(s->bn, s->n - j), chunks = (s->k + s->bk - 1) / s->bk;
    const char *a = s->a + bi * s->stride_a * sw_dtype_bytes(s->type_a);
    const char *b = s->b + bi * s->stride_b * sw_dtype_bytes(s->type_b);
    char *out = s->out + bi * s->stride_c * sw_dtype_bytes(s->type_c);
    memset(g->acc, 0, (size_t)(s->m * cb) * 4);
    fetch_chunk(g, a, b, j, cb, 0);
    for (int64_t q = 0; q < chunks; q++) {
        const int64_t kv = min64(s->bk, s->k - q * s->bk);
        CRTS_dma_wait_value(g->reply, g->fetched);
        if (q + 1 < chunks) fetch_chunk(g, a, b, j, cb, q + 1);
        tile_widen(g->ab[q % 2], s->m * kv, s->type_a);
        tile_widen(g->bb[q % 2], cb * kv, s->type_b);
        if (s->trans_b) dot_tile(g->acc, g->ab[q % 2], g->bb[q % 2], s->m, cb, kv);
        else mma_tile(g->acc, cb, g->ab[q % 2], g->bb[q % 2], s->m, cb, kv);
    }
    finish_columns(g, out, j, cb);
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
    g.acc = ldm_malloc(pc), g.scratch = ldm_malloc(ps);
    g.reply = ldm_malloc(sizeof(crts_rply_t));
    *g.reply = 0;
    for (int64_t item = begin; item < end; item++) run_block(&g, item);
    ldm_free((void *)g.reply, sizeof(crts_rply_t));
    ldm_free(g.scratch, ps), ldm_free(g.acc, pc);
    ldm_free(g.bb[1], pb), ldm_free(g.bb[0], pb), ldm_free(g.ab[1], pa), ldm_free(g.ab[0], pa);
}
