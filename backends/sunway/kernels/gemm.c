/*
 * gemm.c — C = A · B (+ bias) (+ beta · addend) on the 8 x 8 CPE mesh of each core group, SUMMA as
 * in SWOPS (shared/spec/sunway.md §5). C is cut into macro tiles of 8·bm x 8·bn, shared out over the
 * core groups; CPE (r, c) owns the bm x bn block (r, c) of its CG's macro tile. K runs in chunks of
 * bk; for each panel of 8 chunks every CPE fetches ONE piece of A (row block r, chunk c) and ONE of
 * B (chunk r, column block c) with a strided DMA — all 64 in parallel, the next panel's while this
 * one is used — and round t of the panel shares them over the mesh: CPE (r, t) broadcasts its A
 * piece along row r, CPE (t, c) its B piece down column c (sw_row_bcast / sw_col_bcast of
 * sw_compat.h: RMA on SW26010-Pro, register communication on SW26010), into the buffer that round
 * t + 1 does not use, while everyone multiplies the pieces of round t (double buffering on Pro, where
 * the RMA lands asynchronously; an ssync per round keeps a broadcast from landing in a buffer still
 * being read). Pieces are f32 in LDM (16-bit data widened
 * on arrival); B given as [n, k] is transposed by its owner before it is shared, so every CPE runs
 * the one micro-kernel of mma.h. Tile sizes come from the launcher (the chip's LDM budget).
 */
#include "mma.h"
#include "tile.h"

typedef struct {
    const sw_gemm_args *a;
    int r, c;                       /* this CPE's place in the mesh */
    int64_t nk;                     /* chunks of K */
    float *own_a[2], *own_b[2];     /* this CPE's pieces of the current and the next panel */
    float *recv_a[2], *recv_b[2];   /* the pieces of the current and the next round */
    float *acc, *scratch;           /* its C block; a transposition buffer */
    crts_rply_t *fetched, *sent, *got_a, *got_b; /* reply words (same LDM place on every CPE) */
    long n_fetched, n_sent, n_got_a, n_got_b;
} mesh;

typedef struct {                    /* one macro tile */
    const char *a, *b;
    char *out;
    int64_t i0, j0, ra, cb;         /* its origin; this CPE's valid rows and columns */
    int64_t rows_of_row_block[8], cols_of_col_block[8];
} tile_job;

static int64_t clamp0(int64_t v, int64_t hi) { return v < 0 ? 0 : v > hi ? hi : v; }
static int64_t kv_of(const mesh *m, int64_t g) { return clamp0(m->a->k - g * m->a->bk, m->a->bk); }

/* Start fetching this CPE's pieces of panel p into own[p % 2]: A (row block r, chunk 8p + c), B (chunk 8p + r, column block c). */
static void fetch_panel(mesh *m, const tile_job *t, int64_t p) {
    const sw_gemm_args *a = m->a;
    const int64_t ga = 8 * p + m->c, gb = 8 * p + m->r;
    const int esa = sw_dtype_bytes(a->type_a), esb = sw_dtype_bytes(a->type_b);
    const int64_t ra = t->rows_of_row_block[m->r], cb = t->cols_of_col_block[m->c];
    if (ga < m->nk && ra > 0) {
        const char *src = t->a + ((t->i0 + m->r * a->bm) * a->lda + ga * a->bk) * esa;
        tile_iget(m->own_a[p % 2], src, ra, kv_of(m, ga), a->lda, a->type_a, m->fetched);
        m->n_fetched++;
    }
    if (gb < m->nk && cb > 0) {
        const int64_t j = t->j0 + m->c * a->bn, kk = gb * a->bk, kv = kv_of(m, gb);
        const char *src = a->trans_b ? t->b + (j * a->ldb + kk) * esb : t->b + (kk * a->ldb + j) * esb;
        if (a->trans_b) tile_iget(m->own_b[p % 2], src, cb, kv, a->ldb, a->type_b, m->fetched);
        else tile_iget(m->own_b[p % 2], src, kv, cb, a->ldb, a->type_b, m->fetched);
        m->n_fetched++;
    }
}

/* Panel p's pieces have landed: widen them, and put B as [kv][cb] if it came as [cb][kv]. */
static void ready_panel(mesh *m, const tile_job *t, int64_t p) {
    CRTS_dma_wait_value(m->fetched, m->n_fetched);
    const int64_t ga = 8 * p + m->c, gb = 8 * p + m->r;
    const int64_t ra = t->rows_of_row_block[m->r], cb = t->cols_of_col_block[m->c];
    if (ga < m->nk && ra > 0) tile_widen(m->own_a[p % 2], ra * kv_of(m, ga), m->a->type_a);
    if (gb < m->nk && cb > 0) {
        const int64_t kv = kv_of(m, gb);
        tile_widen(m->own_b[p % 2], cb * kv, m->a->type_b);
        if (m->a->trans_b) {
            tile_transpose(m->scratch, m->own_b[p % 2], cb, kv);
            memcpy(m->own_b[p % 2], m->scratch, (size_t)(cb * kv) * 4);
        }
    }
}

/* Round g: CPE (r, g % 8) shares its A piece along row r, CPE (g % 8, c) its B piece down column c.
 * Collective (every CPE of a row / column that has a piece calls it): see sw_compat.h. */
static void share_round(mesh *m, const tile_job *t, int64_t g) {
    const int64_t p = g / 8, kv = kv_of(m, g);
    const int owner = (int)(g % 8);
    const int64_t ra = t->rows_of_row_block[m->r], cb = t->cols_of_col_block[m->c];
    if (ra > 0) {
        sw_row_bcast(m->recv_a[g % 2], m->own_a[p % 2], (size_t)(ra * kv) * 4, owner, m->sent, m->got_a);
        if (m->c == owner) m->n_sent++;
    }
    if (cb > 0) {
        sw_col_bcast(m->recv_b[g % 2], m->own_b[p % 2], (size_t)(kv * cb) * 4, owner, m->sent, m->got_b);
        if (m->r == owner) m->n_sent++;
    }
}

/* This CPE's C block: bias, beta · addend, narrowed and put through ldc. */
static void finish_block(mesh *m, const tile_job *t) {
    const sw_gemm_args *a = m->a;
    const int64_t ra = t->ra, cb = t->cb, i = t->i0 + m->r * a->bm, j = t->j0 + m->c * a->bn;
    if (ra == 0 || cb == 0) return;
    const int esc = sw_dtype_bytes(a->type_c);
    if (a->bias) {
        sw_get_f32(m->scratch, a->bias + j * esc, cb, a->type_c, 1);
        for (int64_t x = 0; x < ra; x++)
            for (int64_t y = 0; y < cb; y++) m->acc[x * cb + y] += m->scratch[y];
    }
    if (a->addend) { /* the DeepNorm residual, [m, n] contiguous */
        tile_get(m->scratch, a->addend + (i * a->n + j) * esc, ra, cb, a->n, a->type_c);
        for (int64_t x = 0; x < ra * cb; x++) m->acc[x] = (float)((double)m->acc[x] + a->beta * m->scratch[x]);
    }
    SW_FLOPS(3 * ra * cb);
    tile_put(t->out + (i * a->ldc + j) * esc, m->acc, ra, cb, a->ldc, a->type_c);
}

/* Round g: wait for its pieces (where this CPE's row or column has any), multiply them in. */
static void multiply_round(mesh *m, const tile_job *t, int64_t g) {
    if (t->rows_of_row_block[m->r] > 0) sw_mesh_wait(m->got_a, ++m->n_got_a);
    if (t->cols_of_col_block[m->c] > 0) sw_mesh_wait(m->got_b, ++m->n_got_b);
    if (t->ra > 0 && t->cb > 0) mma_tile(m->acc, t->cb, m->recv_a[g % 2], m->recv_b[g % 2], t->ra, t->cb, kv_of(m, g));
}

static void run_tile(mesh *m, const tile_job *t) {
    const int64_t panels = (m->nk + 7) / 8;
    memset(m->acc, 0, (size_t)(t->ra * t->cb) * 4);
    sw_mesh_wait(m->sent, m->n_sent); /* own buffers are no longer being sent from */
    fetch_panel(m, t, 0);
    ready_panel(m, t, 0);
    CRTS_ssync_array(); /* every CPE is past the previous tile: the receive buffers are free */
    share_round(m, t, 0);
    if (panels > 1) fetch_panel(m, t, 1);
    for (int64_t g = 0; g < m->nk; g++) {
        CRTS_ssync_array(); /* every CPE multiplied round g - 1: its buffers take round g + 1 */
        const int64_t next = g + 1;
        if (next < m->nk) {
            if (next % 8 == 0) ready_panel(m, t, next / 8);
            share_round(m, t, next);
            if (next % 8 == 0 && next / 8 + 1 < panels) {
                sw_mesh_wait(m->sent, m->n_sent);
                fetch_panel(m, t, next / 8 + 1);
            }
        }
        multiply_round(m, t, g);
    }
    finish_block(m, t);
}

/* Macro tile `index` of the (batch, row, column) grid, as seen from this CPE. */
static void tile_at(const mesh *m, int64_t index, tile_job *t) {
    const sw_gemm_args *a = m->a;
    const int64_t tm = (a->m + 8 * a->bm - 1) / (8 * a->bm), tn = (a->n + 8 * a->bn - 1) / (8 * a->bn);
    const int64_t bi = index / (tm * tn), ti = index % (tm * tn) / tn, tj = index % tn;
    t->a = a->a + bi * a->stride_a * sw_dtype_bytes(a->type_a);
    t->b = a->b + bi * a->stride_b * sw_dtype_bytes(a->type_b);
    t->out = a->out + bi * a->stride_c * sw_dtype_bytes(a->type_c);
    t->i0 = ti * 8 * a->bm;
    t->j0 = tj * 8 * a->bn;
    for (int x = 0; x < 8; x++) {
        t->rows_of_row_block[x] = clamp0(a->m - t->i0 - x * a->bm, a->bm);
        t->cols_of_col_block[x] = clamp0(a->n - t->j0 - x * a->bn, a->bn);
    }
    t->ra = t->rows_of_row_block[m->r];
    t->cb = t->cols_of_col_block[m->c];
}

/* The LDM of the mesh GEMM, allocated in the same order on every CPE (broadcasts land at the same place)
 * and freed in reverse. */
static void mesh_ldm(mesh *m, int alloc) {
    const sw_gemm_args *a = m->a;
    const size_t pa = (size_t)(a->bm * a->bk) * 4, pb = (size_t)(a->bk * a->bn) * 4, pc = (size_t)(a->bm * a->bn) * 4;
    float **bufs[] = {&m->own_a[0], &m->own_a[1], &m->recv_a[0], &m->recv_a[1], &m->own_b[0], &m->own_b[1], &m->recv_b[0], &m->recv_b[1], &m->acc, &m->scratch};
    const size_t sizes[] = {pa, pa, pa, pa, pb, pb, pb, pb, pc, pb > pc ? pb : pc};
    const size_t replies = 4 * sizeof(crts_rply_t);
    if (!alloc) {
        ldm_free((void *)m->fetched, replies);
        for (int i = 9; i >= 0; i--) ldm_free(*bufs[i], sizes[i]);
        return;
    }
    for (int i = 0; i < 10; i++) *bufs[i] = ldm_malloc(sizes[i]);
    crts_rply_t *r = ldm_malloc(replies);
    memset((void *)r, 0, replies);
    m->fetched = r, m->sent = r + 1, m->got_a = r + 2, m->got_b = r + 3;
}

void sw_gemm_kernel(void *arg) {
    SW_ARGS(sw_gemm_args, a, arg);
    mesh m = {.a = &a, .r = CRTS_rid, .c = CRTS_cid, .nk = (a.k + a.bk - 1) / a.bk};
    const int64_t tm = (a.m + 8 * a.bm - 1) / (8 * a.bm), tn = (a.n + 8 * a.bn - 1) / (8 * a.bn);
    const int64_t tiles = a.batch * tm * tn;
    mesh_ldm(&m, 1);
    for (int64_t index = CRTS_cgn; index < tiles; index += a.c.cgs) {
        tile_job t;
        tile_at(&m, index, &t);
        run_tile(&m, &t);
    }
    sw_mesh_wait(m.sent, m.n_sent);
    CRTS_ssync_array(); /* no CPE frees LDM another may still broadcast into */
    mesh_ldm(&m, 0);
}
