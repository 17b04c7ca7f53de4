// Count models of attention and the rotary kernels (kernels/attention.c, kernels/rotary.c).
#include <algorithm>

#include "predict.h"

extern "C" {
#include "dtype.h"
}

namespace glm::sunway {
namespace {

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// A device scalar the kernel reads (a length, an offset): the host reads it too, to know the work.
int64_t host_scalar(const int32_t* tagged) {
  return *static_cast<const int32_t*>(sunway_emu_host_ptr(tagged));
}

// One block of nq queries against `valid` keys in tiles: q in, K and V tiles, the mask rows (explicit),
// the output out; dot products, the online softmax's exp and rescale, the product with V.
void add_block(const sw_attention_args& a, int64_t nq, int64_t valid, GroupCounts& g) {
  const int es = sw_dtype_bytes(a.dtype);
  g.dma_get_bytes += es * nq * a.dim + (a.explicit_mask ? 0 : 4);
  g.dma_put_bytes += es * nq * a.dim;
  for (int64_t t0 = 0; t0 < valid; t0 += a.key_tile) {
    const int64_t kv = std::min(a.key_tile, valid - t0);
    g.dma_get_bytes += 2 * es * kv * a.dim;
    if (a.explicit_mask) g.dma_get_bytes += nq * (a.mask_strides[3] == 0 ? 1 : kv);
    g.flops_f32 += 4 * nq * kv * a.dim + nq * (12 * kv + a.dim);
  }
}

}  // namespace

SpawnCounts predict_attention(const sw_attention_args& a) {
  SpawnCounts out;
  out.per_group.resize(static_cast<size_t>(a.c.cgs));
  const int64_t valid = a.length ? host_scalar(a.length) : a.keys;
  if (a.length) for (auto& g : out.per_group) g.dma_get_bytes += 64 * 4;  // every CPE reads the length
  const int64_t blocks = ceil_div(a.queries, a.query_block);
  for_each_share(a.batch * a.heads * blocks, a.c.cgs, [&](int group, int64_t begin, int64_t end) {
    for (int64_t item = begin; item < end; ++item) {
      const int64_t i0 = item % blocks * a.query_block;
      add_block(a, std::min(a.query_block, a.queries - i0), valid, out.per_group[group]);
    }
  });
  const int64_t nq = a.query_block, kt = a.key_tile, d = a.dim;
  const uint64_t q = 4 * nq * d, s = 4 * nq * kt, tile = 4 * kt * d, row = 4 * nq;
  out.ldm_high_water = ldm_high_water({q, q, s, tile, tile, tile, tile, row, row, static_cast<uint64_t>(kt), sizeof(int32_t)});
  return out;
}

SpawnCounts predict_rotary(const sw_rotary_args& a) {
  SpawnCounts out;
  out.per_group.resize(static_cast<size_t>(a.c.cgs));
  const int es = sw_dtype_bytes(a.dtype);
  const int64_t d = a.dim, position_bytes = a.block_positions ? 8 : 4;
  if (a.offset) for (auto& g : out.per_group) g.dma_get_bytes += 64 * 4;  // every CPE reads the cache offset
  const int64_t items = a.kind == SW_ROT_TABLE ? a.batch * a.seq : a.batch * a.heads * a.seq;
  for_each_share(items, a.c.cgs, [&](int group, int64_t begin, int64_t end) {
    GroupCounts& g = out.per_group[group];
    const int64_t n = end - begin;
    if (a.kind == SW_ROT_TABLE) {
      g.dma_get_bytes += 4 * n, g.dma_put_bytes += 8 * d * n, g.flops_f32 += 20 * d * n;
    } else if (a.kind == SW_ROT_ROPE) {
      g.dma_get_bytes += (es * d + position_bytes) * n, g.dma_put_bytes += es * d * n, g.flops_f32 += 30 * d * n;
    } else {
      const int64_t puts = (a.out[0] ? 1 : 0) + (a.out[1] ? 1 : 0) + (a.out[2] ? 1 : 0) + (a.cache[0] ? 1 : 0) + (a.cache[1] ? 1 : 0);
      g.dma_get_bytes += (es * 3 * d * (a.bias ? 2 : 1) + position_bytes) * n;
      g.dma_put_bytes += es * d * puts * n;
      g.flops_f32 += 60 * d * n;
    }
  });
  out.ldm_high_water = ldm_high_water({static_cast<uint64_t>(12 * d), static_cast<uint64_t>(12 * d), static_cast<uint64_t>(8 * (d / 2 + 1))});
  return out;
}

}  // namespace glm::sunway
