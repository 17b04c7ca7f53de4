// Launchers of the per-row reductions: LayerNorm, softmax, top-k and log-sum-exp. k, N and the chunk
// sizes arrive at run time (N may be symbolic), so the kernels' limits are checked here.
#include "fields.h"
#include "launchers.h"

namespace glm::launchers {

void layer_norm(Reader& r) {
  const int dtype = r.i32();
  void* out = r.ptr();
  const void* x = r.ptr();
  const void* w = r.ptr();
  const void* b = r.ptr();
  const int64_t rows = r.i64(), h = r.i64();
  const float eps = static_cast<float>(r.f64());
  r.finish();
  launch_layernorm(dtype, out, x, w, b, rows, h, eps, device::stream());
  device::check_launch("layer-norm");
}

void softmax(Reader& r) {
  const int dtype = r.i32();
  void* out = r.ptr();
  const void* x = r.ptr();
  const int64_t outer = r.i64(), length = r.i64(), inner = r.i64();
  r.finish();
  launch_softmax(dtype, out, x, outer, length, inner, device::stream());
  device::check_launch("softmax");
}

namespace {

void check_top_k(int64_t rows, int64_t n, int k, int64_t chunk, const uint64_t* scratch, int64_t scratch_bytes, int tag) {
  if (k < 1 || k > n) throw ProgramError("top-k: k = " + std::to_string(k) + " is outside 1.." + std::to_string(n) + " (the row length)", tag);
  if (k > kMaxTopK) throw ProgramError("top-k: k = " + std::to_string(k) + " exceeds the kernels' " + std::to_string(kMaxTopK), tag);
  if (n > INT32_MAX) throw ProgramError("top-k: rows of " + std::to_string(n) + " elements exceed i32 indices", tag);
  if (chunk != kTopKChunk) throw ProgramError("top-k: chunk " + std::to_string(chunk) + " is not the kernels' " + std::to_string(kTopKChunk), tag);
  const int64_t needed = top_k_scratch_keys(rows, n, k) * 8;
  if (needed > 0 && (!scratch || scratch_bytes < needed)) throw ProgramError("top-k: " + std::to_string(scratch_bytes) + " bytes of scratch, the passes need " + std::to_string(needed), tag);
}

}  // namespace

void top_k(Reader& r) {
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
  check_top_k(rows, n, k, chunk, scratch, scratch_bytes, r.tag());
  launch_top_k(dtype, x, rows, n, k, scratch, values, indices, device::stream());
  device::check_launch("top-k");
}

void log_sum_exp(Reader& r) {
  const int dtype = r.i32();
  float* out = r.ptr<float>();
  const void* x = r.ptr();
  const int64_t rows = r.i64(), n = r.i64(), chunk = r.i64();
  float* partial = r.ptr<float>();
  r.finish();
  if (chunk <= 0) throw ProgramError("log-sum-exp: chunk " + std::to_string(chunk), r.tag());
  if (n > 0 && !partial) throw ProgramError("log-sum-exp: no scratch for the chunks' partial sums", r.tag());
  launch_log_sum_exp(dtype, x, rows, n, chunk, partial, out, device::stream());
  device::check_launch("log-sum-exp");
}

}  // namespace glm::launchers
