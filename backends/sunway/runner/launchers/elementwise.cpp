// Launchers of element-wise records (kernels/elementwise.c, kernels/activations.c).
#include "kernels.h"
#include "launchers.h"
#include "tiling.h"

namespace glm::sunway::launchers {
namespace {

void launch_binary(Reader& r, sw_binary_args& a) {
  int64_t total = 1;
  for (int d = 0; d < a.rank; ++d) total *= a.shape[d];
  a.chunk = static_cast<int32_t>(stream_chunk(2));
  set_common(a.c, r.tag(), core_groups_for(total / a.chunk + 1));
  spawn(SLAVE_FUN(sw_binary_kernel), "add/mul/masked-fill", &a, a.c);
}

void launch_unary(Reader& r, sw_unary_args& a, int buffers) {
  a.chunk = static_cast<int32_t>(stream_chunk(buffers));
  set_common(a.c, r.tag(), core_groups_for(a.n / a.chunk + 1));
  spawn(SLAVE_FUN(sw_unary_kernel), "element-wise", &a, a.c);
}

}  // namespace

// [which, dtype, rank, shape..., aStrides..., bStrides..., out, a, b]
void binary(Reader& r) {
  sw_binary_args a{};
  a.op = r.i32() == 0 ? SW_BIN_ADD : SW_BIN_MUL;
  a.dtype = r.i32();
  a.rank = read_rank(r);
  read_dims(r, a.rank, a.shape);
  read_dims(r, a.rank, a.a_strides);
  read_dims(r, a.rank, a.b_strides);
  a.out = read_ptr(r);
  a.a = read_ptr<const char>(r);
  a.b = read_ptr<const char>(r);
  r.finish();
  launch_binary(r, a);
}

// [dtype, rank, shape..., maskStrides..., out, x, mask, value]: x is contiguous like out.
void masked_fill(Reader& r) {
  sw_binary_args a{};
  a.op = SW_BIN_MASKED_FILL;
  a.dtype = r.i32();
  a.rank = read_rank(r);
  read_dims(r, a.rank, a.shape);
  read_dims(r, a.rank, a.b_strides);
  int64_t s = 1;
  for (int d = a.rank - 1; d >= 0; --d) a.a_strides[d] = s, s *= a.shape[d];
  a.out = read_ptr(r);
  a.a = read_ptr<const char>(r);
  a.b = read_ptr<const char>(r);
  a.value = r.f64();
  r.finish();
  launch_binary(r, a);
}

// [dtype, out, x, n, factor]
void scale(Reader& r) {
  sw_unary_args a{};
  a.op = SW_EW_SCALE;
  a.dtype = a.in_dtype = r.i32();
  a.out = read_ptr(r);
  a.x = read_ptr<const char>(r);
  a.n = r.i64();
  a.factor = r.f64();
  r.finish();
  launch_unary(r, a, 1);
}

// [from, to, out, x, n]
void cast(Reader& r) {
  sw_unary_args a{};
  a.op = SW_EW_CAST;
  a.in_dtype = r.i32();
  a.dtype = r.i32();
  a.out = read_ptr(r);
  a.x = read_ptr<const char>(r);
  a.n = r.i64();
  r.finish();
  launch_unary(r, a, 1);
}

// [dtype, tanh, out, x, n]
void gelu(Reader& r) {
  sw_unary_args a{};
  a.dtype = a.in_dtype = r.i32();
  a.op = r.i32() ? SW_EW_GELU_TANH : SW_EW_GELU_ERF;
  a.out = read_ptr(r);
  a.x = read_ptr<const char>(r);
  a.n = r.i64();
  r.finish();
  launch_unary(r, a, 1);
}

// [dtype, out, x, bias | null, rows, half]
void geglu(Reader& r) {
  sw_unary_args a{};
  a.op = SW_EW_GEGLU;
  a.dtype = a.in_dtype = r.i32();
  a.out = read_ptr(r);
  a.x = read_ptr<const char>(r);
  a.y = read_ptr<const char>(r);
  const int64_t rows = r.i64();
  a.half = r.i64();
  a.n = rows * a.half;
  r.finish();
  launch_unary(r, a, 3);
}

// [dtype, out, residual, branch, n, alpha]
void deepnorm(Reader& r) {
  sw_unary_args a{};
  a.op = SW_EW_DEEPNORM;
  a.dtype = a.in_dtype = r.i32();
  a.out = read_ptr(r);
  a.x = read_ptr<const char>(r);
  a.y = read_ptr<const char>(r);
  a.n = r.i64();
  a.factor = r.f64();
  r.finish();
  launch_unary(r, a, 2);
}

}  // namespace glm::sunway::launchers
