// Count models of the mesh GEMM and the GEMV (kernels/gemm.c, kernels/gemv.c).
#include <algorithm>

#include "predict.h"

extern "C" {
#include "dtype.h"
}

namespace glm::sunway {
namespace {

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Bytes the owners send to share `extent` rows (or columns) of f32 pieces over every chunk of K.
// Pro: RMA broadcasts, exactly 4 · k · extent. SW26010: register communication moves whole 256-bit
// words, so each piece (one block of ≤ bm rows by one chunk of ≤ bk) is rounded up to 32 bytes —
// as the emulator counts it (src/regcomm.c, sw_compat.h sw_row_bcast).
int64_t shared_bytes(const sw_gemm_args& a, int64_t extent, int64_t block) {
#if defined(GLM_SW_TARGET_SW26010)
  int64_t bytes = 0;
  for (int64_t x = 0; x < extent; x += block)
    for (int64_t kk = 0; kk < a.k; kk += a.bk)
      bytes += ceil_div(4 * std::min(block, extent - x) * std::min(a.bk, a.k - kk), 32) * 32;
  return bytes;
#else
  (void)block;
  return 4 * a.k * extent;
#endif
}

// One macro tile of R x C on its core group: every CPE fetches its pieces of A and B once per
// panel (each chunk of K once per row block and once per column block), the owners broadcast them
// (f32 in LDM; RMA on Pro, register communication on SW26010), every CPE with a C block multiplies
// and puts it.
void add_tile(const sw_gemm_args& a, int64_t rows, int64_t cols, GroupCounts& g) {
  const int esa = sw_dtype_bytes(a.type_a), esb = sw_dtype_bytes(a.type_b), esc = sw_dtype_bytes(a.type_c);
  const int64_t row_blocks = ceil_div(rows, a.bm);
  g.dma_get_bytes += a.k * (esa * rows + esb * cols);
  if (a.bias) g.dma_get_bytes += esc * cols * row_blocks;
  if (a.addend) g.dma_get_bytes += esc * rows * cols;
  g.dma_put_bytes += esc * rows * cols;
  g.rma_bytes += shared_bytes(a, rows, a.bm) + shared_bytes(a, cols, a.bn);
  g.flops_f32 += 2 * rows * cols * a.k + 3 * rows * cols;
}

}  // namespace

SpawnCounts predict_gemm(const sw_gemm_args& a) {
  SpawnCounts out;
  out.per_group.resize(static_cast<size_t>(a.c.cgs));
  const int64_t tm = ceil_div(a.m, 8 * a.bm), tn = ceil_div(a.n, 8 * a.bn), tiles = a.batch * tm * tn;
  for (int64_t t = 0; t < tiles; ++t) {  // tile t runs on core group t % cgs (kernels/gemm.c)
    const int64_t ti = t % (tm * tn) / tn, tj = t % tn;
    add_tile(a, std::min(8 * a.bm, a.m - ti * 8 * a.bm), std::min(8 * a.bn, a.n - tj * 8 * a.bn), out.per_group[t % a.c.cgs]);
  }
  const uint64_t pa = 4 * a.bm * a.bk, pb = 4 * a.bk * a.bn, pc = 4 * a.bm * a.bn;
  out.ldm_high_water = ldm_high_water({pa, pa, pa, pa, pb, pb, pb, pb, pc, std::max(pb, pc), 4 * sizeof(int32_t)});
  return out;
}

// A pass of consecutive blocks of one batch entry fetches each chunk of A once (kernels/gemv.c run_share).
SpawnCounts predict_gemv(const sw_gemm_args& a) {
  SpawnCounts out;
  out.per_group.resize(static_cast<size_t>(a.c.cgs));
  const int esa = sw_dtype_bytes(a.type_a), esb = sw_dtype_bytes(a.type_b), esc = sw_dtype_bytes(a.type_c);
  const int64_t per_batch = ceil_div(a.n, a.bn);
  for_each_share(a.batch * per_batch, a.c.cgs, [&](int group, int64_t begin, int64_t end) {
    GroupCounts& g = out.per_group[group];
    for (int64_t item = begin; item < end;) {
      const int64_t first = item % per_batch, blocks = std::min({a.pass, end - item, per_batch - first});
      g.dma_get_bytes += esa * a.m * a.k;
      for (int64_t blk = first; blk < first + blocks; ++blk) {
        const int64_t cb = std::min(a.bn, a.n - blk * a.bn);
        g.dma_get_bytes += esb * cb * a.k + (a.bias ? esc * cb : 0) + (a.addend ? esc * a.m * cb : 0);
        g.dma_put_bytes += esc * a.m * cb;
        g.flops_f32 += 2 * a.m * cb * a.k + 3 * a.m * cb;
      }
      item += blocks;
    }
  });
  const uint64_t pa = 4 * a.m * a.bk, pb = 4 * a.bn * a.bk, pc = 4 * a.m * a.bn;
  out.ldm_high_water = ldm_high_water({pa, pa, pb, pb, pc * a.pass, std::max<uint64_t>(pc, 4 * a.bn), sizeof(int32_t)});
  return out;
}

}  // namespace glm::sunway
