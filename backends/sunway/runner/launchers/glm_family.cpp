// Launchers of the pre-norm GLM family's records (ChatGLM2/3, GLM-4): RMSNorm (kernels/rms_norm.c)
// and SwiGLU (kernels/swiglu.c), each keeping two float buffers of a chunk in LDM, and the interleaved
// rotary (kernels/interleaved_rope.c: a head row and base^(−2i/r) in LDM; head dims the claims allow).
#include "glm_launch_codes.h"
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

// [dtype, out, x, positions, batch, heads, seq, dim, rotaryDim, base]
void interleaved_rope(Reader& r) {
  sw_interleaved_rope_args a{};
  a.dtype = r.i32();
  a.out = read_ptr(r);
  a.x = read_ptr<const char>(r);
  a.positions = read_ptr<const int32_t>(r);
  a.batch = r.i64();
  a.heads = r.i64();
  a.seq = r.i64();
  a.dim = r.i64();
  a.rotary_dim = r.i64();
  a.base = r.f64();
  r.finish();
  if (a.dim > planned::MAX_HEAD_DIM) throw ProgramError("interleaved-rope: head dim " + std::to_string(a.dim) + " exceeds " + std::to_string(planned::MAX_HEAD_DIM), r.tag());
  if (a.rotary_dim < 2 || a.rotary_dim % 2 != 0 || a.rotary_dim > a.dim) throw ProgramError("interleaved-rope: rotary dim must be even and within 2..d", r.tag());
  set_common(a.c, r.tag(), core_groups_for(a.batch * a.heads * a.seq));
  spawn(SLAVE_FUN(sw_interleaved_rope_kernel), r.op(), &a, a.c);
}

}  // namespace glm::sunway::launchers
