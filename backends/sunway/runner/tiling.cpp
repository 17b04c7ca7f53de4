// Tile sizes from the LDM budget (tiling.h).
#include "tiling.h"

#include <algorithm>

#include "chip.h"

namespace glm::sunway {
namespace {

// Kept free for reply words, small tables and the kernel module's __thread_local data.
constexpr int64_t kReserve = 4096;
// A streaming buffer gains nothing past this (DMA start-up is amortised long before).
constexpr int64_t kMaxChunk = 8192;
// Rows above this go to the mesh GEMM (the GEMV re-reads A once per pass of column blocks).
constexpr int64_t kGemvMaxRows = 16;

int64_t budget() { return static_cast<int64_t>(chip().ldm_budget) - kReserve; }
int64_t round_down(int64_t v, int64_t to) { return std::max(to, v / to * to); }
int64_t round_up(int64_t v, int64_t to) { return (v + to - 1) / to * to; }

int64_t mesh_bytes(int64_t bm, int64_t bn, int64_t bk) {
  return 4 * (4 * bm * bk + 4 * bk * bn + bm * bn + std::max(bk * bn, bm * bn));
}

int64_t gemv_bytes(int64_t m, int64_t bn, int64_t bk, int64_t pass) {
  return 4 * (2 * m * bk + 2 * bn * bk + (pass + 1) * m * bn);
}

}  // namespace

int64_t stream_chunk(int buffers) {
  return std::min(kMaxChunk, round_down(budget() / (4 * buffers), 16));
}

GemmTiles mesh_tiles(int64_t m, int64_t n, int64_t k) {
  // Square pieces as large as the budget allows (64 on Pro, 32 on SW26010), no larger than the
  // problem's share of the 8 x 8 mesh; then K pieces as long as what is left allows.
  int64_t side = 8;
  while (mesh_bytes(side + 8, side + 8, side + 8) <= budget()) side += 8;
  const GemmTiles t{std::min(side, round_up((m + 7) / 8, 8)), std::min(side, round_up((n + 7) / 8, 8)), 0};
  int64_t bk = 8;
  while (bk < round_up(k, 8) && mesh_bytes(t.bm, t.bn, bk + 8) <= budget()) bk += 8;
  return {t.bm, t.bn, bk};
}

bool use_gemv(int64_t m, int64_t n, int64_t k) {
  (void)n;
  (void)k;
  return m <= kGemvMaxRows;
}

GemmTiles gemv_tiles(int64_t m, int64_t n, int64_t k, int64_t batch, int workers) {
  // Enough column blocks for every CPE where n allows, 8 to 64 columns each; a CPE's blocks in one
  // pass (A fetched once for them) unless that leaves K chunks under 256; then the longest K chunk.
  const int64_t bn = std::clamp(round_up((n + workers - 1) / workers, 8), int64_t{8}, int64_t{64});
  const int64_t blocks = batch * ((n + bn - 1) / bn);
  auto longest_chunk = [&](int64_t pass) {
    int64_t bk = 8;
    while (bk < round_up(k, 8) && gemv_bytes(m, bn, bk + 8, pass) <= budget()) bk += 8;
    return bk;
  };
  int64_t pass = std::min<int64_t>(16, (blocks + workers - 1) / workers);
  while (pass > 1 && longest_chunk(pass) < std::min<int64_t>(256, round_up(k, 8))) pass /= 2;
  return {m, bn, longest_chunk(pass), pass};
}

AttentionTiles attention_tiles(int64_t queries, int64_t keys, int64_t dim, int64_t heads_total, int workers) {
  // Query blocks small enough that every CPE gets one where the queries allow, at most 64 (each block
  // streams all the keys and values: longer blocks read them fewer times); key tiles as long as the
  // rest of the budget allows (kernels/attention.c: q, acc, scores, 2 K, 2 V).
  int64_t nq = std::clamp<int64_t>(queries * heads_total / workers, 1, std::min<int64_t>(64, queries));
  auto bytes = [&](int64_t q, int64_t kt) { return 4 * (2 * q * dim + q * kt + 4 * kt * dim + 2 * q) + kt + 64; };
  auto longest_tile = [&](int64_t q) {
    int64_t kt = 8;
    while (kt < round_up(keys, 8) && kt < 512 && bytes(q, kt + 8) <= budget()) kt += 8;
    return kt;
  };
  while (nq > 1 && bytes(nq, 8) > budget()) nq /= 2;
  // Key tiles of at least 32 where the keys allow (SW26010's LDM): fewer queries per block rather
  // than DMAs of a few rows.
  while (nq > 8 && longest_tile(nq) < std::min<int64_t>(32, round_up(keys, 8))) nq /= 2;
  const int64_t kt = longest_tile(nq);
  return {nq, kt};
}

}  // namespace glm::sunway
