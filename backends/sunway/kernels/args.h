/*
 * args.h — the argument struct of every CPE kernel, shared by the MPE launchers (runner/launchers,
 * C++) and the kernels (C). The launcher fills one, tags each main-memory pointer
 * (sunway_emu_main_ptr, the identity on a real chip) and spawns; each CPE fetches the struct by
 * DMA. Shapes and strides are in elements; `cgs` is how many core groups the spawn runs on (the
 * kernels share work over cgs x 64 CPEs); tile sizes are chosen by the launcher from the LDM budget.
 */
#ifndef GLM_SW_ARGS_H
#define GLM_SW_ARGS_H

#include <stdint.h>

#define SW_MAX_RANK 8

/* Error reporting common to the kernels that check indices: the flag (main memory) gets tag + 1. */
typedef struct {
    int32_t *flag;
    int32_t tag;
    int32_t cgs;
} sw_common;

/* Strided copy (and gather, and cache-write): dst[i] = src[i] over `shape`. */
typedef struct {
    sw_common c;
    int32_t elem_bytes, rank;
    int32_t index_dim;        /* gather: this dim's source position comes from indices; -1 none */
    int32_t chunk_bytes;      /* LDM staging buffer */
    int64_t shape[SW_MAX_RANK], dst_strides[SW_MAX_RANK], src_strides[SW_MAX_RANK];
    char *dst;
    const char *src;
    const int32_t *indices;
    int64_t index_limit;
    const int32_t *offset;    /* cache-write: dst advances offset * offset_stride; NULL otherwise */
    int64_t offset_stride, max_offset;
} sw_copy_args;

/* Element-wise ops over `n` contiguous output elements (scale, cast, gelu, deepnorm; geglu's output
 * is [n / half, half] from x [n / half, 2 · half] and an optional bias [2 · half] in y; swiglu.c's
 * the same without a bias, `op` unused). */
enum { SW_EW_SCALE, SW_EW_CAST, SW_EW_GELU_ERF, SW_EW_GELU_TANH, SW_EW_DEEPNORM, SW_EW_GEGLU };
typedef struct {
    sw_common c;
    int32_t op, dtype, in_dtype, chunk;
    int64_t n, half;
    double factor;            /* scale's factor, deepnorm's alpha */
    char *out;
    const char *x, *y;        /* y: deepnorm's branch, geglu's bias (or NULL) */
} sw_unary_args;

/* add / mul / masked-fill over a merged shape: out contiguous, a and b (or x and mask) strided. */
enum { SW_BIN_ADD, SW_BIN_MUL, SW_BIN_MASKED_FILL };
typedef struct {
    sw_common c;
    int32_t op, dtype, rank, chunk;
    int64_t shape[SW_MAX_RANK], a_strides[SW_MAX_RANK], b_strides[SW_MAX_RANK];
    double value;             /* masked-fill */
    char *out;
    const char *a, *b;
} sw_binary_args;

/* Row ops over contiguous [rows, n] data: layer-norm, log-sum-exp, glm-mask-fill, dequantize;
 * softmax over [outer, n, inner]; rms_norm.c's RMSNorm (x, w, eps; `op` unused). */
enum { SW_ROW_LAYER_NORM, SW_ROW_SOFTMAX, SW_ROW_LOG_SUM_EXP, SW_ROW_GLM_MASK, SW_ROW_DEQUANTIZE };
typedef struct {
    sw_common c;
    int32_t op, dtype, aux_dtype, out_dtype;
    int64_t rows, n, inner;
    int64_t heads, queries;   /* glm-mask-fill: rows = b * heads * queries */
    double eps, value;
    char *out;
    const char *x, *w, *b;    /* layer-norm weight and bias; dequantize's scale in w */
    const int32_t *context_lengths, *length;
    int64_t chunk;            /* elements of a row kept in LDM at once (0: the whole row fits) */
} sw_row_args;

/* top-k of each row of [rows, n]: values f32, indices i32. Phase 0 finds the k best of each
 * segment of seg_len elements (rows x segments items), into the outputs when a row is one segment,
 * else into scratch (rows x segments x k candidates {f32 value, i32 index}); phase 1 merges each
 * row's candidates. */
typedef struct {
    sw_common c;
    int32_t dtype, k, phase, pad;
    int64_t rows, n, seg_len, segments, chunk;
    float *values;
    int32_t *indices;
    const char *x;
    char *scratch;
} sw_topk_args;

/* rope and qkv-bias-rope (kind 1), rotary-table (kind 2). Strides [b, h, row, t] in elements. */
enum { SW_ROT_ROPE, SW_ROT_QKV, SW_ROT_TABLE };
typedef struct {
    sw_common c;
    int32_t kind, dtype;
    int64_t batch, heads, seq, dim;
    double base;
    const char *x, *bias;
    const int32_t *positions, *block_positions;
    int64_t x_strides[4];
    char *out[3];             /* rope: out[0]; qkv: q, k, v (NULL when not wanted); table: cos, sin */
    int64_t out_strides[3][4];
    char *cache[2];           /* qkv: key and value caches written at *offset (NULL: none) */
    int64_t cache_strides[2][4];
    const int32_t *offset;
    int64_t max_offset;
} sw_rotary_args;

/* interleaved-rope (ChatGLM2/3, GLM-4) over contiguous [B, H, S, d] (interleaved_rope.c): pairs
 * (2i, 2i+1) of the first rotary_dim values of each head row rotated, the rest passed. */
typedef struct {
    sw_common c;
    int32_t dtype, pad;
    int64_t batch, heads, seq, dim, rotary_dim;
    double base;
    const char *x;
    const int32_t *positions;
    char *out;
} sw_interleaved_rope_args;

/* GLM attention: out = softmax(mask(q kᵀ · scale)) v for blocks of `query_block` queries of one
 * (b, h), keys streamed through LDM in tiles of `key_tile`. Rows (the head dim) have unit stride.
 * kv_group: query heads per KV head (grouped-query-attention: query head h reads k and v head
 * h / kv_group); 1 for attention. */
typedef struct {
    sw_common c;
    int32_t dtype, explicit_mask;
    int64_t batch, heads, queries, keys, dim, key_tile, query_block, kv_group;
    double scale;
    char *out;
    const char *q, *k, *v;
    int64_t q_strides[4], k_strides[4], v_strides[4], out_strides[4], mask_strides[4];
    const int32_t *context_lengths, *length;
    const int8_t *mask;
} sw_attention_args;

/* C[m, n] = A[m, k] · B (+ bias[n]) (+ beta · addend[m, n]); B is [k, n], or [n, k] when trans_b.
 * Batched by strides. mesh: the SUMMA tiles (bm x bk of A and bk x bn of B per CPE and round);
 * gemv: column blocks of bn shared over the CPEs, k in chunks of bk, up to `pass` consecutive blocks
 * of a CPE sharing each chunk of A. */
typedef struct {
    sw_common c;
    int32_t type_a, type_b, type_c, trans_b;
    int64_t m, n, k, lda, ldb, ldc, stride_a, stride_b, stride_c, batch;
    int64_t bm, bn, bk, pass;
    double beta;
    const char *a, *b, *bias, *addend;
    char *out;
} sw_gemm_args;

#endif /* GLM_SW_ARGS_H */
