// The attention launcher: the fused kernel (decode, short chunks), the backend's tensor-core kernel
// where it has one (long prompts), or the materialised path — per chunk of (b, h) pairs S = scale·Q·Kᵀ,
// P = softmax(mask(S)) (dtype), O = P·V, the products through the backend's gemm().
#include <algorithm>

#include "fields.h"
#include "gemm.h"
#include "launchers.h"

namespace glm::launchers {
namespace {

// The record's words beyond the kernels' parameters: how to run it.
struct AttentionRecord {
  int dtype;
  int mode;         // 0 fused; 1 materialised with fp32 scores; 2 materialised with storage-dtype scores
  char* workspace;  // split-K partials (fused) or scores and probabilities (materialised)
  int64_t chunk;    // (b, h) pairs per materialised chunk
};

AttentionRecord read_attention(Reader& r, AttentionParams& p) {
  AttentionRecord a{};
  a.dtype = r.i32();
  a.mode = r.i32();
  p.out = r.ptr();
  p.q = r.ptr();
  p.k = r.ptr();
  p.v = r.ptr();
  read_strides4(r, p.q_strides);
  read_strides4(r, p.k_strides);
  read_strides4(r, p.v_strides);
  read_strides4(r, p.out_strides);
  p.batch = r.i32();
  p.heads = r.i32();
  p.queries = r.i32();
  p.keys = r.i32();
  p.dim = r.i32();
  p.scale = static_cast<float>(r.f64());
  p.explicit_mask = r.i32();
  p.context_lengths = r.ptr<const int32_t>();
  p.mask = r.ptr<const int8_t>();
  read_strides4(r, p.mask_strides);
  a.workspace = r.ptr<char>();
  p.splits = r.i32();
  p.keys_per_split = r.i32();
  a.chunk = r.i64();
  p.length = r.ptr<const int32_t>();
  return a;
}

void fused(AttentionParams& p, const AttentionRecord& a, Stream s) {
  p.partial_ml = reinterpret_cast<float*>(a.workspace);
  const int64_t rows = static_cast<int64_t>(p.batch) * p.heads * p.queries;
  p.partial_acc = reinterpret_cast<float*>(a.workspace) + rows * p.splits * 2;
  launch_attention_fused(a.dtype, p, s);
  device::check_launch("attention (fused)");
}

// S = scale·Q·Kᵀ for `count` (b, h) pairs from bh0, into `scores` (fp32, or the storage dtype).
void scores_product(const AttentionParams& p, const AttentionRecord& a, bool storage_scores, void* scores, int64_t bh0, int64_t count, Stream s) {
  const size_t es = dtype_bytes(a.dtype);
  GemmParams g{};
  g.m = p.queries;
  g.n = p.keys;
  g.k = p.dim;
  g.a = static_cast<const char*>(p.q) + bh0 * p.q_strides[1] * es;
  g.lda = p.q_strides[2];
  g.stride_a = p.q_strides[1];
  g.b = static_cast<const char*>(p.k) + bh0 * p.k_strides[1] * es;
  g.ldb = p.k_strides[2];
  g.stride_b = p.k_strides[1];
  g.trans_b = 1;
  g.c = scores;
  g.ldc = p.keys;
  g.stride_c = static_cast<int64_t>(p.queries) * p.keys;
  g.batch = count;
  g.type_ab = a.dtype;
  g.type_b = a.dtype;
  g.type_c = storage_scores ? a.dtype : F32;
  g.alpha = p.scale;
  glm::gemm(g, GemmPath::Auto, s);
  device::check_launch("attention (scores)");
}

// O = P·V for the (b, h) pairs [bh, bh + run) of one batch row b, written through the output strides.
void context_product(const AttentionParams& p, int dtype, const char* probs, int64_t bh, int64_t bh0, int64_t run, Stream s) {
  const size_t es = dtype_bytes(dtype);
  const int64_t b = bh / p.heads;
  const int64_t h = bh % p.heads;
  GemmParams o{};
  o.m = p.queries;
  o.n = p.dim;
  o.k = p.keys;
  o.a = probs + (bh - bh0) * p.queries * p.keys * es;
  o.lda = p.keys;
  o.stride_a = static_cast<int64_t>(p.queries) * p.keys;
  o.b = static_cast<const char*>(p.v) + (b * p.v_strides[0] + h * p.v_strides[1]) * es;
  o.ldb = p.v_strides[2];
  o.stride_b = p.v_strides[1];
  o.trans_b = 0;
  o.c = static_cast<char*>(p.out) + (b * p.out_strides[0] + h * p.out_strides[1]) * es;
  o.ldc = p.out_strides[2];
  o.stride_c = p.out_strides[1];
  o.batch = run;
  o.type_ab = dtype;
  o.type_b = dtype;
  o.type_c = dtype;
  o.alpha = 1.f;
  glm::gemm(o, GemmPath::Auto, s);
  device::check_launch("attention (context)");
}

// Mode 1 keeps S in fp32 beside P; mode 2 keeps S in the storage dtype and overwrites it with P (the
// release's fp16 path rounds the scores the same way). The planner sizes chunks to stay in L2. Q, K, V
// must be flat over (b, h): stride[0] == heads·stride[1] (checked by the planner).
void materialised(const AttentionParams& p, const AttentionRecord& a, Stream s) {
  const bool storage_scores = a.mode == 2;
  const int64_t bh_total = static_cast<int64_t>(p.batch) * p.heads;
  const int64_t score_elems = a.chunk * p.queries * p.keys;
  void* scores = a.workspace;
  char* probs = storage_scores ? a.workspace : a.workspace + ((score_elems * 4 + 255) / 256) * 256;
  for (int64_t bh0 = 0; bh0 < bh_total; bh0 += a.chunk) {
    const int64_t count = std::min<int64_t>(a.chunk, bh_total - bh0);
    scores_product(p, a, storage_scores, scores, bh0, count, s);
    launch_attention_softmax(a.dtype, storage_scores, p, scores, probs, bh0, count, s);
    device::check_launch("attention (softmax)");
    // One batched product per batch row b: the output's (b, h) need not be flat, e.g. when it is
    // written straight into [B, Q, H, d].
    for (int64_t bh = bh0; bh < bh0 + count;) {
      const int64_t run = std::min<int64_t>(p.heads - bh % p.heads, bh0 + count - bh);
      context_product(p, a.dtype, probs, bh, bh0, run, s);
      bh += run;
    }
  }
}

void run_attention(Reader& r, AttentionParams& p, const AttentionRecord& a) {
  flag_errors(r, p);
  if (p.dim > 256) throw ProgramError("attention: head dim " + std::to_string(p.dim) + " > 256", r.tag());
  const Stream s = device::stream();
  if (a.mode == 0) return fused(p, a, s);
#ifdef GLM_TENSOR_CORE_ATTENTION
  // Long prompts: a flash-style tensor-core kernel where the backend has one and the layout suits it.
  if (launch_attention_tensor_core(a.dtype, p, s)) {
    device::check_launch("attention (tensor cores)");
    return;
  }
#endif
  materialised(p, a, s);
}

}  // namespace

void attention(Reader& r) {
  AttentionParams p{};
  const AttentionRecord a = read_attention(r, p);
  r.finish();
  run_attention(r, p, a);
}

// An attention record and then the query heads per KV head: k and v hold heads / kv_group heads.
void grouped_query_attention(Reader& r) {
  AttentionParams p{};
  const AttentionRecord a = read_attention(r, p);
  p.kv_group = r.i32();
  r.finish();
  if (p.kv_group < 1 || p.heads % p.kv_group != 0) {
    throw ProgramError("grouped-query-attention: " + std::to_string(p.heads) + " query heads do not share KV heads in groups of " + std::to_string(p.kv_group), r.tag());
  }
  // The materialised products step through k and v one head per query head: KV groups take the fused kernels.
  if (a.mode != 0) throw ProgramError("grouped-query-attention: mode " + std::to_string(a.mode) + ", only the fused mode (0) takes KV groups", r.tag());
  run_attention(r, p, a);
}

}  // namespace glm::launchers
