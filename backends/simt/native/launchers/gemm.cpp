// The gemm launcher: a product through the backend's gemm() on the path the record asks for, and the
// DeepNorm residual a path could not fold into its epilogue.
#include "fields.h"
#include "gemm.h"
#include "launchers.h"

namespace glm::launchers {
namespace {

GemmParams read_gemm(Reader& r) {
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
  return p;
}

}  // namespace

void gemm(Reader& r) {
  const GemmParams p = read_gemm(r);
  const int path = r.i32();
  r.finish();
  if (p.k == 0) throw ProgramError("gemm with an empty contraction (k = 0) is not supported", r.tag());
  if (p.addend && (p.batch != 1 || p.ldc != p.n)) throw ProgramError("gemm with an addend needs a contiguous [m, n] output", r.tag());
  const Stream s = device::stream();
  // The residual the product's epilogue did not add: the DeepNorm kernel over the rounded product,
  // the same arithmetic as the unfused deepnorm-residual.
  if (!glm::gemm(p, static_cast<GemmPath>(path), s) && p.addend) launch_deepnorm(p.type_c, p.c, p.addend, p.c, p.m * p.n, p.beta, s);
  device::check_launch("matmul");
}

}  // namespace glm::launchers
