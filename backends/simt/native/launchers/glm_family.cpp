// Launchers of the pre-norm GLM family's ops (ChatGLM2/3, GLM-4): RMSNorm, SwiGLU and the interleaved rotary. Their records'
// argument order is written once in backends/simt/lowerings/glm-family.ts.
#include "fields.h"
#include "launchers.h"

namespace glm::launchers {

void rms_norm(Reader& r) {
  const int dtype = r.i32();
  void* out = r.ptr();
  const void* x = r.ptr();
  const void* w = r.ptr();
  const int64_t rows = r.i64(), h = r.i64();
  const float eps = static_cast<float>(r.f64());
  r.finish();
  launch_rms_norm(dtype, out, x, w, rows, h, eps, device::stream());
  device::check_launch("rms-norm");
}

void swiglu(Reader& r) {
  const int dtype = r.i32();
  void* out = r.ptr();
  const void* x = r.ptr();
  const int64_t rows = r.i64(), half = r.i64();
  r.finish();
  launch_swiglu(dtype, out, x, rows, half, device::stream());
  device::check_launch("swiglu");
}

void interleaved_rope(Reader& r) {
  const int dtype = r.i32();
  InterleavedRopeParams p{};
  p.out = r.ptr();
  p.x = r.ptr();
  p.positions = r.ptr<const int32_t>();
  p.batch = r.i64();
  p.heads = r.i64();
  p.seq = r.i64();
  p.dim = r.i64();
  p.rotary_dim = r.i64();
  p.base = r.f64();
  r.finish();
  if (p.rotary_dim < 2 || p.rotary_dim % 2 != 0 || p.rotary_dim > p.dim) throw ProgramError("interleaved-rope: rotary dim must be even and within 2..d", r.tag());
  launch_interleaved_rope(dtype, p, device::stream());
  device::check_launch("interleaved-rope");
}

}  // namespace glm::launchers
