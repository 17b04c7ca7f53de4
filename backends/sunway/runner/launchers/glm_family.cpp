// Launchers of the pre-norm GLM family's records (ChatGLM2/3, GLM-4): RMSNorm (kernels/rms_norm.c)
// and SwiGLU (kernels/swiglu.c). Each kernel keeps two float buffers of a chunk in LDM.
#include "kernels.h"
#include "launchers.h"
#include "tiling.h"

namespace glm::sunway::launchers {

// [dtype, out, x, w, rows, n, eps]
void rms_norm(Reader& r) {
  sw_row_args a{};
  a.dtype = r.i32();
  a.out = read_ptr(r);
  a.x = read_ptr<const char>(r);
  a.w = read_ptr<const char>(r);
  a.rows = r.i64();
  a.n = r.i64();
  a.eps = r.f64();
  r.finish();
  a.chunk = stream_chunk(2);
  set_common(a.c, r.tag(), core_groups_for(a.rows));
  spawn(SLAVE_FUN(sw_rms_norm_kernel), r.op(), &a, a.c);
}

// [dtype, out, x, rows, half]
void swiglu(Reader& r) {
  sw_unary_args a{};
  a.dtype = a.in_dtype = r.i32();
  a.out = read_ptr(r);
  a.x = read_ptr<const char>(r);
  const int64_t rows = r.i64();
  a.half = r.i64();
  a.n = rows * a.half;
  r.finish();
  a.chunk = static_cast<int32_t>(stream_chunk(2));
  set_common(a.c, r.tag(), core_groups_for(a.n / a.chunk + 1));
  spawn(SLAVE_FUN(sw_swiglu_kernel), r.op(), &a, a.c);
}

}  // namespace glm::sunway::launchers
