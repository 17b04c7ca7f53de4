// Launchers of the element-wise records: broadcast add/mul, scale, casts, activations, the DeepNorm
// residual, dequantization and the masked fills.
#include "fields.h"
#include "launchers.h"

namespace glm::launchers {

void binary(Reader& r) {
  const int which = r.i32();
  const int dtype = r.i32();
  BinaryParams p{};
  p.rank = read_rank(r);
  const int64_t count = read_shape(r, p.rank, p.shape);
  read_strides(r, p.rank, p.a_strides);
  read_strides(r, p.rank, p.b_strides);
  p.out = r.ptr();
  p.a = r.ptr();
  p.b = r.ptr();
  r.finish();
  launch_binary(which, dtype, p, count, device::stream());
  device::check_launch(which == 0 ? "add" : "mul");
}

void scale(Reader& r) {
  const int dtype = r.i32();
  void* out = r.ptr();
  const void* x = r.ptr();
  const int64_t n = r.i64();
  const double factor = r.f64();
  r.finish();
  launch_scale(dtype, out, x, n, factor, device::stream());
  device::check_launch("scale");
}

void cast(Reader& r) {
  const int from = r.i32(), to = r.i32();
  void* out = r.ptr();
  const void* x = r.ptr();
  const int64_t n = r.i64();
  r.finish();
  launch_cast(from, to, out, x, n, device::stream());
  device::check_launch("cast");
}

void gelu(Reader& r) {
  const int dtype = r.i32(), tanh_form = r.i32();
  void* out = r.ptr();
  const void* x = r.ptr();
  const int64_t n = r.i64();
  r.finish();
  launch_gelu(dtype, tanh_form, out, x, n, device::stream());
  device::check_launch("gelu");
}

void geglu(Reader& r) {
  const int dtype = r.i32();
  void* out = r.ptr();
  const void* x = r.ptr();
  const void* bias = r.ptr();
  const int64_t rows = r.i64(), half = r.i64();
  r.finish();
  launch_geglu(dtype, out, x, bias, rows, half, device::stream());
  device::check_launch("geglu");
}

void deepnorm(Reader& r) {
  const int dtype = r.i32();
  void* out = r.ptr();
  const void* residual = r.ptr();
  const void* branch = r.ptr();
  const int64_t n = r.i64();
  const double alpha = r.f64();
  r.finish();
  launch_deepnorm(dtype, out, residual, branch, n, alpha, device::stream());
  device::check_launch("deepnorm-residual");
}

void dequantize(Reader& r) {
  const int qtype = r.i32(), to = r.i32();
  void* out = r.ptr();
  const void* q = r.ptr();
  const void* scale = r.ptr();
  const int64_t rows = r.i64(), cols = r.i64();
  r.finish();
  launch_dequantize(qtype, to, out, q, scale, rows, cols, device::stream());
  device::check_launch("dequantize");
}

void masked_fill(Reader& r) {
  const int dtype = r.i32();
  MaskedFillParams p{};
  p.rank = read_rank(r);
  const int64_t count = read_shape(r, p.rank, p.shape);
  read_strides(r, p.rank, p.mask_strides);
  p.out = r.ptr();
  p.x = r.ptr();
  p.mask = r.ptr<const int8_t>();
  p.value = r.f64();
  r.finish();
  launch_masked_fill(dtype, p, count, device::stream());
  device::check_launch("masked-fill");
}

void glm_mask_fill(Reader& r) {
  const int dtype = r.i32();
  void* out = r.ptr();
  const void* x = r.ptr();
  const int32_t* ctx = r.ptr<const int32_t>();
  const int64_t b = r.i64(), h = r.i64(), q = r.i64(), k = r.i64();
  const double value = r.f64();
  const int32_t* length = r.ptr<const int32_t>();
  r.finish();
  launch_glm_mask_fill(dtype, out, x, ctx, length, b, h, q, k, value, device::error_flag(), r.tag(), device::stream());
  device::check_launch("glm-mask-fill");
}

}  // namespace glm::launchers
