// Decodes launch records and launches them (see program.h for the format).
#include "program.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <utility>
#include <vector>
#include <cmath>
#include <stdexcept>

#include "device.h"
#include "gemm_dispatch.h"
#include "kernels.h"

namespace glm {
namespace {

class Reader {
 public:
  Reader(const double* words, size_t count, const char* op, int tag) : w_(words), n_(count), op_(op), tag_(tag) {}
  double f64() {
    if (i_ >= n_) throw ProgramError(std::string("malformed launch record for ") + op_ + ": too few arguments", tag_);
    return w_[i_++];
  }
  int64_t i64() { return static_cast<int64_t>(f64()); }
  int i32() { return static_cast<int>(f64()); }
  template <typename T = void>
  T* ptr() {
    const double v = f64();
    return reinterpret_cast<T*>(static_cast<uintptr_t>(static_cast<uint64_t>(v)));
  }
  void finish() const {
    if (i_ != n_) throw ProgramError(std::string("malformed launch record for ") + op_ + ": " + std::to_string(n_ - i_) + " extra arguments", tag_);
  }

 private:
  const double* w_;
  size_t n_;
  size_t i_ = 0;
  const char* op_;
  int tag_;
};

int read_rank(Reader& r, const char* op, int tag) {
  const int rank = r.i32();
  if (rank < 0 || rank > kMaxRank) throw ProgramError(std::string(op) + ": rank " + std::to_string(rank) + " exceeds " + std::to_string(kMaxRank), tag);
  return rank;
}

// The part a copy record and a cache-write record share: element size, rank, shape, the two stride
// lists, then dst and src. Returns the element count.
template <typename P>
int64_t read_strided_copy(Reader& r, P& p, const char* op, int tag) {
  p.elem_bytes = r.i32();
  p.rank = read_rank(r, op, tag);
  int64_t count = 1;
  for (int d = 0; d < p.rank; ++d) count *= (p.shape[d] = r.i64());
  for (int d = 0; d < p.rank; ++d) p.dst_strides[d] = r.i64();
  for (int d = 0; d < p.rank; ++d) p.src_strides[d] = r.i64();
  p.dst = r.ptr();
  p.src = r.ptr();
  return count;
}

void read_strides4(Reader& r, int64_t (&s)[4]) {
  for (int d = 0; d < 4; ++d) s[d] = r.i64();
}

// The rotary ops' shape words (rope, qkv-bias-rope): batch, heads, sequence, head dim, then the base.
template <typename P>
void read_rotary_shape(Reader& r, P& p) {
  p.batch = r.i64();
  p.heads = r.i64();
  p.seq = r.i64();
  p.dim = r.i64();
  p.base = r.f64();
}

void launch_attention(Reader& r, int tag, Stream s) {
  const int dtype = r.i32();
  const int mode = r.i32();
  AttentionParams p{};
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
  char* workspace = r.ptr<char>();
  p.splits = r.i32();
  p.keys_per_split = r.i32();
  const int64_t chunk = r.i64();  // (b, h) pairs per materialised chunk
  p.length = r.ptr<const int32_t>();
  r.finish();
  p.error_flag = device::error_flag();
  p.tag = tag;
  if (p.dim > 256) throw ProgramError("attention: head dim " + std::to_string(p.dim) + " > 256", tag);
  if (mode == 0) {
    p.partial_ml = reinterpret_cast<float*>(workspace);
    const int64_t rows = static_cast<int64_t>(p.batch) * p.heads * p.queries;
    p.partial_acc = reinterpret_cast<float*>(workspace) + rows * p.splits * 2;
    launch_attention_fused(dtype, p, s);
    device::check_launch("attention (fused)");
    return;
  }
#ifdef GLM_TENSOR_CORE_ATTENTION
  // Long prompts: a flash-style tensor-core kernel where the backend has one and the layout suits it.
  if (launch_attention_tensor_core(dtype, p, s)) {
    device::check_launch("attention (tensor cores)");
    return;
  }
#endif
  // Materialised: per chunk of (b, h) pairs, S = scale·Q·Kᵀ, P = softmax(mask(S)) (dtype), O = P·V.
  // Mode 1 keeps S in fp32 beside P; mode 2 keeps S in the storage dtype and overwrites it with P
  // (the release's fp16 path rounds the scores the same way). The planner sizes chunks to stay in L2.
  // Q, K, V must be flat over (b, h): stride[0] == heads·stride[1] (checked by the planner).
  const bool storage_scores = mode == 2;
  const int64_t bh_total = static_cast<int64_t>(p.batch) * p.heads;
  const int64_t score_elems = chunk * p.queries * p.keys;
  const size_t es = dtype_bytes(dtype);
  void* scores = workspace;
  char* probs = storage_scores ? workspace : workspace + ((score_elems * 4 + 255) / 256) * 256;
  for (int64_t bh0 = 0; bh0 < bh_total; bh0 += chunk) {
    const int64_t count = std::min<int64_t>(chunk, bh_total - bh0);
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
    g.type_ab = dtype;
    g.type_b = dtype;
    g.type_c = storage_scores ? dtype : F32;
    g.alpha = p.scale;
    gemm(g, GemmPath::Auto, s);
    device::check_launch("attention (scores)");
    launch_attention_softmax(dtype, storage_scores, p, scores, probs, bh0, count, s);
    device::check_launch("attention (softmax)");
    // O = P·V, written through the output strides: one batched product per batch row b (the
    // output's (b, h) need not be flat, e.g. when it is written straight into [B, Q, H, d]).
    for (int64_t bh = bh0; bh < bh0 + count;) {
      const int64_t b = bh / p.heads;
      const int64_t h = bh % p.heads;
      const int64_t run = std::min<int64_t>(p.heads - h, bh0 + count - bh);
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
      gemm(o, GemmPath::Auto, s);
      device::check_launch("attention (context)");
      bh += run;
    }
  }
}

void launch_one(int op, int tag, Reader& r, Stream s) {
  switch (op) {
    case OP_COPY: {
      CopyParams p{};
      const int64_t count = read_strided_copy(r, p, "copy", tag);
      p.index_dim = r.i32();
      p.index_limit = r.i64();
      p.indices = r.ptr<const int32_t>();
      r.finish();
      p.error_flag = device::error_flag();
      p.tag = tag;
      launch_copy(p, count, s);
      device::check_launch("copy");
      return;
    }
    case OP_BINARY: {
      const int which = r.i32();
      const int dtype = r.i32();
      BinaryParams p{};
      p.rank = read_rank(r, "add/mul", tag);
      int64_t count = 1;
      for (int d = 0; d < p.rank; ++d) count *= (p.shape[d] = r.i64());
      for (int d = 0; d < p.rank; ++d) p.a_strides[d] = r.i64();
      for (int d = 0; d < p.rank; ++d) p.b_strides[d] = r.i64();
      p.out = r.ptr();
      p.a = r.ptr();
      p.b = r.ptr();
      r.finish();
      launch_binary(which, dtype, p, count, s);
      device::check_launch(which == 0 ? "add" : "mul");
      return;
    }
    case OP_SCALE: {
      const int dtype = r.i32();
      void* out = r.ptr();
      const void* x = r.ptr();
      const int64_t n = r.i64();
      const double factor = r.f64();
      r.finish();
      launch_scale(dtype, out, x, n, factor, s);
      device::check_launch("scale");
      return;
    }
    case OP_CAST: {
      const int from = r.i32(), to = r.i32();
      void* out = r.ptr();
      const void* x = r.ptr();
      const int64_t n = r.i64();
      r.finish();
      launch_cast(from, to, out, x, n, s);
      device::check_launch("cast");
      return;
    }
    case OP_GELU: {
      const int dtype = r.i32(), tanh_form = r.i32();
      void* out = r.ptr();
      const void* x = r.ptr();
      const int64_t n = r.i64();
      r.finish();
      launch_gelu(dtype, tanh_form, out, x, n, s);
      device::check_launch("gelu");
      return;
    }
    case OP_GEGLU: {
      const int dtype = r.i32();
      void* out = r.ptr();
      const void* x = r.ptr();
      const void* bias = r.ptr();
      const int64_t rows = r.i64(), half = r.i64();
      r.finish();
      launch_geglu(dtype, out, x, bias, rows, half, s);
      device::check_launch("geglu");
      return;
    }
    case OP_DEEPNORM: {
      const int dtype = r.i32();
      void* out = r.ptr();
      const void* residual = r.ptr();
      const void* branch = r.ptr();
      const int64_t n = r.i64();
      const double alpha = r.f64();
      r.finish();
      launch_deepnorm(dtype, out, residual, branch, n, alpha, s);
      device::check_launch("deepnorm-residual");
      return;
    }
    case OP_DEQUANTIZE: {
      const int qtype = r.i32(), to = r.i32();
      void* out = r.ptr();
      const void* q = r.ptr();
      const void* scale = r.ptr();
      const int64_t rows = r.i64(), cols = r.i64();
      r.finish();
      launch_dequantize(qtype, to, out, q, scale, rows, cols, s);
      device::check_launch("dequantize");
      return;
    }
    case OP_LAYERNORM: {
      const int dtype = r.i32();
      void* out = r.ptr();
      const void* x = r.ptr();
      const void* w = r.ptr();
      const void* b = r.ptr();
      const int64_t rows = r.i64(), h = r.i64();
      const float eps = static_cast<float>(r.f64());
      r.finish();
      launch_layernorm(dtype, out, x, w, b, rows, h, eps, s);
      device::check_launch("layer-norm");
      return;
    }
    case OP_SOFTMAX: {
      const int dtype = r.i32();
      void* out = r.ptr();
      const void* x = r.ptr();
      const int64_t outer = r.i64(), length = r.i64(), inner = r.i64();
      r.finish();
      launch_softmax(dtype, out, x, outer, length, inner, s);
      device::check_launch("softmax");
      return;
    }
    case OP_MASKED_FILL: {
      const int dtype = r.i32();
      MaskedFillParams p{};
      p.rank = read_rank(r, "masked-fill", tag);
      int64_t count = 1;
      for (int d = 0; d < p.rank; ++d) count *= (p.shape[d] = r.i64());
      for (int d = 0; d < p.rank; ++d) p.mask_strides[d] = r.i64();
      p.out = r.ptr();
      p.x = r.ptr();
      p.mask = r.ptr<const int8_t>();
      p.value = r.f64();
      r.finish();
      launch_masked_fill(dtype, p, count, s);
      device::check_launch("masked-fill");
      return;
    }
    case OP_GLM_MASK_FILL: {
      const int dtype = r.i32();
      void* out = r.ptr();
      const void* x = r.ptr();
      const int32_t* ctx = r.ptr<const int32_t>();
      const int64_t b = r.i64(), h = r.i64(), q = r.i64(), k = r.i64();
      const double value = r.f64();
      const int32_t* length = r.ptr<const int32_t>();
      r.finish();
      launch_glm_mask_fill(dtype, out, x, ctx, length, b, h, q, k, value, device::error_flag(), tag, s);
      device::check_launch("glm-mask-fill");
      return;
    }
    case OP_ROTARY_TABLE: {
      float* cos_out = r.ptr<float>();
      float* sin_out = r.ptr<float>();
      const int32_t* positions = r.ptr<const int32_t>();
      const int64_t tokens = r.i64(), dim = r.i64();
      const double base = r.f64();
      r.finish();
      launch_rotary_table(cos_out, sin_out, positions, tokens, dim, base, s);
      device::check_launch("rotary-table");
      return;
    }
    case OP_ROPE: {
      const int dtype = r.i32();
      RopeParams p{};
      p.out = r.ptr();
      p.x = r.ptr();
      p.positions = r.ptr<const int32_t>();
      p.block_positions = r.ptr<const int32_t>();
      read_strides4(r, p.x_strides);
      read_strides4(r, p.out_strides);
      read_rotary_shape(r, p);
      r.finish();
      launch_rope(dtype, p, s);
      device::check_launch("rope");
      return;
    }
    case OP_QKV_BIAS_ROPE: {
      const int dtype = r.i32();
      QkvRopeParams p{};
      for (void*& out : p.out) out = r.ptr();
      p.qkv = r.ptr();
      p.bias = r.ptr();
      p.positions = r.ptr<const int32_t>();
      p.block_positions = r.ptr<const int32_t>();
      for (auto& strides : p.out_strides) read_strides4(r, strides);
      read_rotary_shape(r, p);
      for (int part = 0; part < 2; ++part) {
        p.cache[part] = r.ptr();
        read_strides4(r, p.cache_strides[part]);
      }
      p.cache_offset = r.ptr<const int32_t>();
      p.max_offset = r.i64();
      r.finish();
      if ((p.cache[0] || p.cache[1]) && !p.cache_offset) throw ProgramError("qkv-bias-rope: a cache without an offset tensor", tag);
      if (!p.out[0] || (!p.out[1] && !p.cache[0]) || (!p.out[2] && !p.cache[1])) throw ProgramError("qkv-bias-rope: an output goes nowhere", tag);
      p.error_flag = device::error_flag();
      p.tag = tag;
      launch_qkv_bias_rope(dtype, p, s);
      device::check_launch("qkv-bias-rope");
      return;
    }
    case OP_ATTENTION:
      launch_attention(r, tag, s);
      return;
    case OP_GEMM: {
      GemmParams p{};
      p.type_ab = r.i32();
      p.type_b = r.i32();
      p.type_c = r.i32();
      p.m = r.i64();
      p.n = r.i64();
      p.k = r.i64();
      p.a = r.ptr();
      p.lda = r.i64();
      p.stride_a = r.i64();
      p.b = r.ptr();
      p.ldb = r.i64();
      p.stride_b = r.i64();
      p.trans_b = r.i32();
      p.c = r.ptr();
      p.ldc = r.i64();
      p.stride_c = r.i64();
      p.batch = r.i64();
      p.alpha = static_cast<float>(r.f64());
      p.bias = r.ptr();
      p.scale = r.ptr();
      p.addend = r.ptr();
      p.beta = r.f64();
      const int path = r.i32();
      r.finish();
      if (p.k == 0) throw ProgramError("gemm with an empty contraction (k = 0) is not supported", tag);
      if (p.addend && (p.batch != 1 || p.ldc != p.n)) throw ProgramError("gemm with an addend needs a contiguous [m, n] output", tag);
      // The residual the product's epilogue did not add: the DeepNorm kernel over the rounded product,
      // the same arithmetic as the unfused deepnorm-residual.
      if (!gemm(p, static_cast<GemmPath>(path), s) && p.addend) launch_deepnorm(p.type_c, p.c, p.addend, p.c, p.m * p.n, p.beta, s);
      device::check_launch("matmul");
      return;
    }
    case OP_MEMCPY: {
      const uint64_t dst = static_cast<uint64_t>(r.f64());
      const uint64_t src = static_cast<uint64_t>(r.f64());
      const uint64_t bytes = static_cast<uint64_t>(r.f64());
      r.finish();
      if (bytes > 0) device::copy_async(dst, src, bytes);
      return;
    }
    case OP_TOP_K: {
      const int dtype = r.i32();
      float* values = r.ptr<float>();
      int32_t* indices = r.ptr<int32_t>();
      const void* x = r.ptr();
      const int64_t rows = r.i64(), n = r.i64();
      const int k = r.i32();
      const int64_t chunk = r.i64();
      uint64_t* scratch = r.ptr<uint64_t>();
      const int64_t scratch_bytes = r.i64();
      r.finish();
      // k and N arrive at run time (N may be symbolic): the kernels' limits are checked here.
      if (k < 1 || k > n) throw ProgramError("top-k: k = " + std::to_string(k) + " is outside 1.." + std::to_string(n) + " (the row length)", tag);
      if (k > kMaxTopK) throw ProgramError("top-k: k = " + std::to_string(k) + " exceeds the kernels' " + std::to_string(kMaxTopK), tag);
      if (n > INT32_MAX) throw ProgramError("top-k: rows of " + std::to_string(n) + " elements exceed i32 indices", tag);
      if (chunk != kTopKChunk) throw ProgramError("top-k: chunk " + std::to_string(chunk) + " is not the kernels' " + std::to_string(kTopKChunk), tag);
      const int64_t needed = top_k_scratch_keys(rows, n, k) * 8;
      if (needed > 0 && (!scratch || scratch_bytes < needed)) throw ProgramError("top-k: " + std::to_string(scratch_bytes) + " bytes of scratch, the passes need " + std::to_string(needed), tag);
      launch_top_k(dtype, x, rows, n, k, scratch, values, indices, s);
      device::check_launch("top-k");
      return;
    }
    case OP_LOG_SUM_EXP: {
      const int dtype = r.i32();
      float* out = r.ptr<float>();
      const void* x = r.ptr();
      const int64_t rows = r.i64(), n = r.i64(), chunk = r.i64();
      float* partial = r.ptr<float>();
      r.finish();
      if (chunk <= 0) throw ProgramError("log-sum-exp: chunk " + std::to_string(chunk), tag);
      if (n > 0 && !partial) throw ProgramError("log-sum-exp: no scratch for the chunks' partial sums", tag);
      launch_log_sum_exp(dtype, x, rows, n, chunk, partial, out, s);
      device::check_launch("log-sum-exp");
      return;
    }
    case OP_CACHE_WRITE: {
      CacheWriteParams p{};
      const int64_t count = read_strided_copy(r, p, "cache-write", tag);
      p.offset = r.ptr<const int32_t>();
      p.offset_stride = r.i64();
      p.max_offset = r.i64();
      r.finish();
      if (!p.offset) throw ProgramError("cache-write: no offset tensor", tag);
      p.error_flag = device::error_flag();
      p.tag = tag;
      launch_cache_write(p, count, s);
      device::check_launch("cache-write");
      return;
    }
    default:
      throw ProgramError("unknown launch opcode " + std::to_string(op), tag);
  }
}

}  // namespace

const char* op_name(int op) {
  switch (op) {
    case OP_COPY: return "copy";
    case OP_BINARY: return "add/mul";
    case OP_SCALE: return "scale";
    case OP_CAST: return "cast";
    case OP_GELU: return "gelu";
    case OP_GEGLU: return "geglu";
    case OP_DEEPNORM: return "deepnorm-residual";
    case OP_DEQUANTIZE: return "dequantize";
    case OP_LAYERNORM: return "layer-norm";
    case OP_SOFTMAX: return "softmax";
    case OP_MASKED_FILL: return "masked-fill";
    case OP_GLM_MASK_FILL: return "glm-mask-fill";
    case OP_ROTARY_TABLE: return "rotary-table";
    case OP_ROPE: return "rope";
    case OP_ATTENTION: return "attention";
    case OP_GEMM: return "matmul";
    case OP_MEMCPY: return "memcpy";
    case OP_TOP_K: return "top-k";
    case OP_LOG_SUM_EXP: return "log-sum-exp";
    case OP_CACHE_WRITE: return "cache-write";
    case OP_QKV_BIAS_ROPE: return "qkv-bias-rope";
    default: return "unknown";
  }
}

namespace {

// GLM_PROFILE_LAUNCHES=1 (benchmarks only): an event pair around every record, and after the run one
// stderr line per record with its device time — a profile where no profiler is installed. Waits for
// the device, so never on in normal runs.
struct LaunchProfile {
  std::vector<int> events;  // reused: two per record
  std::vector<std::pair<int, int>> records;  // (op, tag)
};

}  // namespace

bool profiling_launches() {
  static const bool on = [] {
    const char* v = std::getenv("GLM_PROFILE_LAUNCHES");
    return v && v[0] == '1';
  }();
  return on;
}

namespace {

void report_profile(LaunchProfile& prof) {
  float total = 0.f;
  for (size_t r = 0; r < prof.records.size(); ++r) {
    const float ms = device::event_elapsed_ms(prof.events[2 * r], prof.events[2 * r + 1]);
    total += ms;
    std::fprintf(stderr, "profile %-18s tag %4d %9.4f ms\n", op_name(prof.records[r].first), prof.records[r].second, ms);
  }
  std::fprintf(stderr, "profile total %9.4f ms over %zu records\n", total, prof.records.size());
}

}  // namespace

void run_program(const double* words, size_t count) {
  static LaunchProfile prof;
  const bool profile = profiling_launches();
  prof.records.clear();
  size_t i = 0;
  const Stream s = device::stream();
  while (i < count) {
    if (i + 3 > count) throw ProgramError("truncated launch program", -1);
    const int op = static_cast<int>(words[i]);
    const int tag = static_cast<int>(words[i + 1]);
    const size_t args = static_cast<size_t>(words[i + 2]);
    if (i + 3 + args > count) throw ProgramError(std::string("truncated launch record for ") + op_name(op), tag);
    Reader r(words + i + 3, args, op_name(op), tag);
    if (profile) {
      while (prof.events.size() < 2 * (prof.records.size() + 1)) prof.events.push_back(device::event_create());
      device::event_record(prof.events[2 * prof.records.size()]);
    }
    try {
      launch_one(op, tag, r, s);
    } catch (const ProgramError&) {
      throw;
    } catch (const std::exception& e) {
      throw ProgramError(e.what(), tag);
    }
    if (profile) {
      device::event_record(prof.events[2 * prof.records.size() + 1]);
      prof.records.emplace_back(op, tag);
    }
    i += 3 + args;
  }
  if (profile) report_profile(prof);
}

}  // namespace glm
