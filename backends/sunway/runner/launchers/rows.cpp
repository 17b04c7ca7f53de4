// Launchers of the row records: layer-norm, softmax, log-sum-exp, the GLM mask, dequantize
// (kernels/rows.c) and top-k (kernels/top_k.c).
#include <algorithm>

#include "chip.h"
#include "device.h"
#include "glm_launch_codes.h"
#include "kernels.h"
#include "launchers.h"
#include "tiling.h"

namespace glm::sunway::launchers {
namespace {

void launch_rows(Reader& r, sw_row_args& a) {
  a.chunk = stream_chunk(2);
  set_common(a.c, r.tag(), core_groups_for(a.rows));
  spawn(SLAVE_FUN(sw_rows_kernel), r.op(), &a, a.c);
}

}  // namespace

// [dtype, out, x, w, b, rows, n, eps]
void layer_norm(Reader& r) {
  sw_row_args a{};
  a.op = SW_ROW_LAYER_NORM;
  a.dtype = r.i32();
  a.out = read_ptr(r);
  a.x = read_ptr<const char>(r);
  a.w = read_ptr<const char>(r);
  a.b = read_ptr<const char>(r);
  a.rows = r.i64();
  a.n = r.i64();
  a.eps = r.f64();
  r.finish();
  launch_rows(r, a);
}

// [dtype, out, x, outer, length, inner]: rows are (outer, inner) pairs, n elements `inner` apart.
void softmax(Reader& r) {
  sw_row_args a{};
  a.op = SW_ROW_SOFTMAX;
  a.dtype = r.i32();
  a.out = read_ptr(r);
  a.x = read_ptr<const char>(r);
  const int64_t outer = r.i64();
  a.n = r.i64();
  a.inner = r.i64();
  a.rows = outer * a.inner;
  r.finish();
  launch_rows(r, a);
}

// [dtype, out, x, rows, n]
void log_sum_exp(Reader& r) {
  sw_row_args a{};
  a.op = SW_ROW_LOG_SUM_EXP;
  a.dtype = r.i32();
  a.out = read_ptr(r);
  a.x = read_ptr<const char>(r);
  a.rows = r.i64();
  a.n = r.i64();
  a.inner = 1;
  r.finish();
  launch_rows(r, a);
}

// [dtype, out, x, contextLengths, b, h, q, k, value, length | null]
void glm_mask_fill(Reader& r) {
  sw_row_args a{};
  a.op = SW_ROW_GLM_MASK;
  a.dtype = r.i32();
  a.out = read_ptr(r);
  a.x = read_ptr<const char>(r);
  a.context_lengths = read_ptr<const int32_t>(r);
  const int64_t batch = r.i64();
  a.heads = r.i64();
  a.queries = r.i64();
  a.n = r.i64();
  a.value = r.f64();
  a.length = read_ptr<const int32_t>(r);
  a.rows = batch * a.heads * a.queries;
  r.finish();
  launch_rows(r, a);
}

// [qtype, scaleType, outType, out, q, scale, rows, cols]
void dequantize(Reader& r) {
  sw_row_args a{};
  a.op = SW_ROW_DEQUANTIZE;
  a.dtype = r.i32();
  a.aux_dtype = r.i32();
  a.out_dtype = r.i32();
  a.out = read_ptr(r);
  a.x = read_ptr<const char>(r);
  a.w = read_ptr<const char>(r);
  a.rows = r.i64();
  a.n = r.i64();
  r.finish();
  launch_rows(r, a);
}

// [dtype, values, indices, x, rows, n, k]: phase 0 over (row, segment) items, then the merge.
void top_k(Reader& r) {
  sw_topk_args a{};
  a.dtype = r.i32();
  a.values = read_ptr<float>(r);
  a.indices = read_ptr<int32_t>(r);
  a.x = read_ptr<const char>(r);
  a.rows = r.i64();
  a.n = r.i64();
  a.k = r.i32();
  r.finish();
  if (a.k < 1 || a.k > planned::MAX_TOP_K || a.k > a.n) throw ProgramError("top-k: k = " + std::to_string(a.k) + " outside 1.." + std::to_string(std::min<int64_t>(a.n, planned::MAX_TOP_K)), r.tag());
  const int workers = chip().core_groups * 64;
  a.chunk = stream_chunk(2);
  // Enough segments that every CPE has one where the rows are few, each at least 1024 elements long.
  a.segments = std::clamp<int64_t>((workers + a.rows - 1) / a.rows, 1, std::max<int64_t>(1, a.n / std::max<int64_t>(1024, 2 * a.k)));
  a.seg_len = (a.n + a.segments - 1) / a.segments;
  a.segments = (a.n + a.seg_len - 1) / a.seg_len;
  const size_t scratch_bytes = a.segments > 1 ? static_cast<size_t>(a.rows * a.segments * a.k * 8) : 0;
  const uint64_t scratch = scratch_bytes ? device::allocate(scratch_bytes) : 0;
  a.scratch = main_ptr(reinterpret_cast<char*>(scratch));
  set_common(a.c, r.tag(), core_groups_for(a.rows * a.segments));
  try {
    spawn(SLAVE_FUN(sw_top_k_kernel), "top-k", &a, a.c);
    if (a.segments > 1) {
      a.phase = 1;
      set_common(a.c, r.tag(), core_groups_for(a.rows));
      spawn(SLAVE_FUN(sw_top_k_kernel), "top-k merge", &a, a.c);
    }
  } catch (...) {
    if (scratch) device::release(scratch);
    throw;
  }
  if (scratch) device::release(scratch);
}

}  // namespace glm::sunway::launchers
