// The gemm record's launcher: the GEMV for a few rows, else the mesh GEMM (kernels/gemv.c,
// kernels/gemm.c), tiles from the LDM budget (tiling.h).
#include "chip.h"
#include "kernels.h"
#include "launchers.h"
#include "tiling.h"

namespace glm::sunway::launchers {

// [typeA, typeB, typeC, m, n, k, a, lda, strideA, b, ldb, strideB, transB, c, ldc, strideC, batch, bias, addend, beta]
void gemm(Reader& r) {
  sw_gemm_args a{};
  a.type_a = r.i32();
  a.type_b = r.i32();
  a.type_c = r.i32();
  a.m = r.i64();
  a.n = r.i64();
  a.k = r.i64();
  a.a = read_ptr<const char>(r);
  a.lda = r.i64();
  a.stride_a = r.i64();
  a.b = read_ptr<const char>(r);
  a.ldb = r.i64();
  a.stride_b = r.i64();
  a.trans_b = r.i32();
  a.out = read_ptr(r);
  a.ldc = r.i64();
  a.stride_c = r.i64();
  a.batch = r.i64();
  a.bias = read_ptr<const char>(r);
  a.addend = read_ptr<const char>(r);
  a.beta = r.f64();
  r.finish();
  if (a.m * a.n * a.batch == 0) return;
  const int workers = chip().core_groups * 64;
  if (use_gemv(a.m, a.n, a.k)) {
    const GemmTiles t = gemv_tiles(a.m, a.n, a.k, a.batch, workers);
    a.bm = t.bm, a.bn = t.bn, a.bk = t.bk, a.pass = t.pass;
    set_common(a.c, r.tag(), core_groups_for(a.batch * ((a.n + a.bn - 1) / a.bn)));
    spawn(SLAVE_FUN(sw_gemv_kernel), "gemv", &a, a.c);
    return;
  }
  const GemmTiles t = mesh_tiles(a.m, a.n, a.k);
  a.bm = t.bm, a.bn = t.bn, a.bk = t.bk;
  const int64_t tiles = a.batch * ((a.m + 8 * a.bm - 1) / (8 * a.bm)) * ((a.n + 8 * a.bn - 1) / (8 * a.bn));
  // Macro tiles are shared out by core group: more than one core group only when there are tiles for them.
  set_common(a.c, r.tag(), tiles > 1 ? chip().core_groups : 1);
  spawn(SLAVE_FUN(sw_gemm_kernel), "gemm", &a, a.c);
}

}  // namespace glm::sunway::launchers
