// Host-side entry points of the kernels and the parameter blocks they take (passed by value).
// Every launcher checks nothing itself: the record launchers (launchers/*.cpp) validate the
// arguments they decode and check the launch's error afterwards, naming the op.
//
// The SIMT family's kernels, shared by the cuda and rocm-dcu backends (one source, as ggml serves
// CUDA and HIP): this header, kernels/*.cu and the launchers are compiled by both builds. Each build
// puts its own platform.h on the include path — the CUDA dialect (backends/cuda/native/src) or the
// DCU's HIP dialect (backends/rocm-dcu/native/src) — so the shared kernels use only what both provide:
// __global__/__device__/__shared__, threadIdx & co, __syncthreads, atomicCAS, the storage types
// __half and __nv_bfloat16 (hip_bfloat16 under HIP), to_f32/from_f32/from_f64, block_sum/block_max
// (block_reduce.h), launch(), GLM_DYN_SMEM, blocks_for and DType. Nothing here may depend on the
// warp/wavefront width: kernels that do (attention, GEMV, GEMM) are each backend's own.
#pragma once

#include <cstdint>

#include "platform.h"

namespace glm {

constexpr int kMaxRank = 8;

// Blocks of `per_block` for n items, at least one and at most `cap` (kernels stride past it).
inline unsigned blocks_for(int64_t n, int per_block, int64_t cap = 65535LL * 16) {
  int64_t b = (n + per_block - 1) / per_block;
  if (b < 1) b = 1;
  return static_cast<unsigned>(b > cap ? cap : b);
}

// N elements moved as one aligned load or store (8 or 16 bytes) by the bandwidth-bound kernels.
template <typename T, int N>
struct alignas(sizeof(T) * N) Pack {
  T v[N];
};

// A copy over an iteration shape with independent element strides on both sides; one dim may take
// its source position from an i32 index array (gather), range-checked against `index_limit`.
struct CopyParams {
  int rank;
  int elem_bytes;  // 1, 2, 4, 8 or 16
  int64_t shape[kMaxRank];
  int64_t dst_strides[kMaxRank];
  int64_t src_strides[kMaxRank];
  int index_dim;  // -1: none
  int64_t index_limit;
  const int32_t* indices;
  int* error_flag;  // set to tag+1 on an index outside [0, index_limit)
  int tag;
  void* dst;
  const void* src;
};
void launch_copy(const CopyParams& p, int64_t count, Stream s);

// cache-write: `src` (the update) copied over an iteration shape into `dst` (the cache at position 0)
// shifted by *offset · offset_stride elements, where the offset is read on the device; an offset
// outside [0, max_offset] (max_offset = C − S) sets error_flag to tag+1 and writes nothing.
struct CacheWriteParams {
  int rank;
  int elem_bytes;  // 1, 2, 4, 8 or 16
  int64_t shape[kMaxRank];
  int64_t dst_strides[kMaxRank];
  int64_t src_strides[kMaxRank];
  const int32_t* offset;
  int64_t offset_stride;
  int64_t max_offset;
  int* error_flag;
  int tag;
  void* dst;
  const void* src;
};
void launch_cache_write(const CacheWriteParams& p, int64_t count, Stream s);

// out = a (+|·) b with broadcast strides (0 where a dim is stretched); out contiguous.
struct BinaryParams {
  int rank;
  int64_t shape[kMaxRank];
  int64_t a_strides[kMaxRank];
  int64_t b_strides[kMaxRank];
  const void* a;
  const void* b;
  void* out;
};
void launch_binary(int op /*0 add, 1 mul*/, int dtype, const BinaryParams& p, int64_t count, Stream s);

void launch_scale(int dtype, void* out, const void* x, int64_t n, double factor, Stream s);
void launch_cast(int from, int to, void* out, const void* x, int64_t n, Stream s);
void launch_gelu(int dtype, int tanh_form, void* out, const void* x, int64_t n, Stream s);
// out[r, i] = y[r, i] · gelu_erf(y[r, half + i]) with y = x + bias (bias null: y = x).
void launch_geglu(int dtype, void* out, const void* x, const void* bias, int64_t rows, int64_t half, Stream s);
void launch_deepnorm(int dtype, void* out, const void* residual, const void* branch, int64_t n, double alpha, Stream s);
void launch_dequantize(int qtype, int to, void* out, const void* q, const void* scale, int64_t rows, int64_t cols, Stream s);
void launch_layernorm(int dtype, void* out, const void* x, const void* w, const void* b, int64_t rows, int64_t h, float eps, Stream s);
// out = x / sqrt(mean(x²) + eps) · w per row of h (RMSNorm: no mean, no bias).
void launch_rms_norm(int dtype, void* out, const void* x, const void* w, int64_t rows, int64_t h, float eps, Stream s);
// out[r, i] = silu(x[r, i]) · x[r, half + i] (SwiGLU: the first half gated, unlike geglu).
void launch_swiglu(int dtype, void* out, const void* x, int64_t rows, int64_t half, Stream s);
// Threads of the block that reduces one row of `length` elements (norm.cu's row kernels and RMSNorm's).
unsigned row_threads(int64_t length);
void launch_softmax(int dtype, void* out, const void* x, int64_t outer, int64_t length, int64_t inner, Stream s);

struct MaskedFillParams {
  int rank;
  int64_t shape[kMaxRank];
  int64_t mask_strides[kMaxRank];
  const void* x;
  const int8_t* mask;
  void* out;
  double value;
};
void launch_masked_fill(int dtype, const MaskedFillParams& p, int64_t count, Stream s);
// With `length` (read on the device; null = k): keys >= *length are masked too and the queries sit at
// *length − q …; a length outside [q, k] sets error_flag to tag+1.
void launch_glm_mask_fill(int dtype, void* out, const void* x, const int32_t* context_lengths, const int32_t* length, int64_t batch, int64_t heads, int64_t q,
                          int64_t k, double value, int* error_flag, int tag, Stream s);
void launch_rotary_table(float* cos_out, float* sin_out, const int32_t* positions, int64_t tokens, int64_t dim, double base, Stream s);

// Rotary embedding over x[B, H, S, d] read and written through element strides (so a fused
// layout, e.g. straight out of the QKV projection, needs no copy). 2-D mode when block_positions.
struct RopeParams {
  const void* x;
  void* out;
  const int32_t* positions;
  const int32_t* block_positions;
  int64_t x_strides[4];
  int64_t out_strides[4];
  int64_t batch, heads, seq, dim;
  double base;
};
void launch_rope(int dtype, const RopeParams& p, Stream s);

// interleaved-rope (ChatGLM2/3, GLM-4) over contiguous x, out [B, H, S, d]: pairs (2i, 2i+1) of the
// first rotary_dim values rotated by θᵢ = pos · base^(−2i/rotary_dim), the rest copied.
struct InterleavedRopeParams {
  const void* x;
  void* out;
  const int32_t* positions;  // [B, S]
  int64_t batch, heads, seq, dim, rotary_dim;
  double base;
};
void launch_interleaved_rope(int dtype, const InterleavedRopeParams& p, Stream s);

// qkv-bias-rope: the QKV projection's output [B, S, heads·3·d] (per head [q_h | k_h | v_h]) plus its
// bias (null: none) split into q, k, v [B, heads, S, d] at out_strides, q and k rotated as rope does.
struct QkvRopeParams {
  const void* qkv;
  const void* bias;
  void* out[3];  // q, k, v; k or v may be null when only its cache takes it
  int64_t out_strides[3][4];
  const int32_t* positions;
  const int32_t* block_positions;
  int64_t batch, heads, seq, dim;
  double base;
  // The KV cache in place (a fused cache-write), or nulls: k and v also go to cache[0], cache[1] at
  // sequence position *cache_offset + s. An offset outside [0, max_offset] sets error_flag to tag + 1
  // and writes no cache.
  void* cache[2];
  int64_t cache_strides[2][4];
  const int32_t* cache_offset;
  int64_t max_offset;
  int* error_flag;
  int tag;
};
void launch_qkv_bias_rope(int dtype, const QkvRopeParams& p, Stream s);

// GLM attention over a KV cache. Queries are the last Q of the valid key positions: all K, or the
// first *length (read on the device: a fixed-capacity cache, the same launch every decode step; outside
// [Q, K] it sets error_flag to tag+1). Element strides [b, h, i|j, t].
struct AttentionParams {
  const void* q;
  const void* k;
  const void* v;
  void* out;
  int64_t q_strides[4];
  int64_t k_strides[4];
  int64_t v_strides[4];
  int64_t out_strides[4];
  int batch, heads, queries, keys, dim;
  float scale;
  int explicit_mask;
  const int32_t* context_lengths;
  const int8_t* mask;
  int64_t mask_strides[4];  // 0 where the mask broadcasts
  // split-K partials (splits > 1): [rows, splits, 2] and [rows, splits, dim] floats
  float* partial_ml;
  float* partial_acc;
  int splits;
  int keys_per_split;
  const int32_t* length;  // null: every key is valid
  int* error_flag;
  int tag;
  // Query heads per KV head (grouped-query attention): query head h reads KV head h / kv_group of k
  // and v (torch's repeat_interleave), which hold heads / kv_group heads. 1: a KV head per query head.
  int kv_group = 1;
};
void launch_attention_fused(int dtype, const AttentionParams& p, Stream s);
// Backends built with GLM_TENSOR_CORE_ATTENTION (cuda): the many-query path on tensor cores. Returns
// false, launching nothing, when the dtype, head dim, mask kind or layout does not suit it.
bool launch_attention_tensor_core(int dtype, const AttentionParams& p, Stream s);
// The materialised path's middle: pre-scaled scores [rows = B·H·Q, K] (fp32, or the storage dtype when
// storage_scores, in which case probs may be the same buffer) -> masked softmax -> P (dtype).
void launch_attention_softmax(int dtype, bool storage_scores, const AttentionParams& p, const void* scores, void* probs, int64_t bh_begin, int64_t bh_count, Stream s);

// Row-major C[b] = alpha · A[b] · op(B[b]) (+ bias[n]), fp32 accumulation; B may be i8/i4 with a
// per-row (n) scale. The portable path: odd shapes, broadcast batches, quantized weights, and
// everything when the vendor's BLAS is absent (the emulator).
struct GemmParams {
  int64_t m, n, k;
  const void* a;
  int64_t lda, stride_a;
  const void* b;
  int64_t ldb, stride_b;
  int trans_b;
  void* c;
  int64_t ldc, stride_c;
  int64_t batch;
  int type_ab;   // activation dtype (F32/F16/BF16)
  int type_b;    // B's storage: = type_ab, I8 or I4
  int type_c;    // C's dtype (type_ab or F32)
  float alpha;
  const void* bias;        // [n], type_ab, or null
  const void* scale;       // [n], type_ab, for I8/I4 B
  // A DeepNorm residual folded into the product, or null: C = alpha·A·op(B) + bias + beta·addend,
  // addend [m, n] of type_c, contiguous like C (then batch = 1, ldc = n). A path that cannot add it in
  // its epilogue leaves it to gemm()'s caller (gemm() returns false), which adds it after the product.
  const void* addend;
  double beta;
};
void launch_gemm_simt(const GemmParams& p, Stream s);
// Weight-only quantized or small-M linear: y[m, n] = Σ_k x[m,k]·w[n,k]·scale[n] + bias[n], m ≤ 16.
void launch_gemv(const GemmParams& p, Stream s);

// Top-k along the last axis of x [rows, n] (f32/f16/bf16): values [rows, k] f32, indices [rows, k] i32, in
// the op's total order; 1 ≤ k ≤ min(n, kMaxTopK). Each pass leaves k keys per chunk of kTopKChunk; rows
// longer than a chunk need top_k_scratch_keys(rows, n, k) keys of scratch (null for shorter rows).
constexpr int64_t kTopKChunk = 4096;
constexpr int kMaxTopK = 256;
inline int64_t top_k_keys_after(int64_t len, int k) { return (len + kTopKChunk - 1) / kTopKChunk * k; }
inline int64_t top_k_scratch_keys(int64_t rows, int64_t n, int k) {
  if (n <= kTopKChunk) return 0;
  const int64_t first = top_k_keys_after(n, k);  // the first pass's keys, then the second's (fewer)
  return rows * (first + (first > kTopKChunk ? top_k_keys_after(first, k) : 0));
}
void launch_top_k(int dtype, const void* x, int64_t rows, int64_t n, int k, uint64_t* scratch, float* values, int32_t* indices, Stream s);

// out[rows] (f32) = log Σ exp(x[row, :]) with fp32 accumulation; `partial` holds 2 floats per (row,
// chunk of `chunk` elements) (may be null when n = 0).
void launch_log_sum_exp(int dtype, const void* x, int64_t rows, int64_t n, int64_t chunk, float* partial, float* out, Stream s);

// Uniform values in [low, high) (benchmarks' random weights).
void launch_random(int dtype, void* out, int64_t n, uint64_t seed, float low, float high, Stream s);

}  // namespace glm
