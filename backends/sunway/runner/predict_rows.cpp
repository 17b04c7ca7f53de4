// Count models of the element-wise kernel and layer-norm (kernels/activations.c, kernels/rows.c).
#include <algorithm>

#include "predict.h"

extern "C" {
#include "dtype.h"
}

namespace glm::sunway {

// Per element: what each element-wise op reads, writes and counts (kernels/activations.c's apply, geglu).
SpawnCounts predict_unary(const sw_unary_args& a) {
  SpawnCounts out;
  out.per_group.resize(static_cast<size_t>(a.c.cgs));
  const int es = sw_dtype_bytes(a.dtype), in_es = sw_dtype_bytes(a.in_dtype);
  int64_t get = es, flops = 0, buffers = 1;
  switch (a.op) {
    case SW_EW_SCALE: flops = 1; break;
    case SW_EW_CAST: get = in_es; break;
    case SW_EW_GELU_ERF: flops = 24; break;
    case SW_EW_GELU_TANH: flops = 20; break;
    case SW_EW_DEEPNORM: get = 2 * es, flops = 2, buffers = 2; break;
    case SW_EW_GEGLU: get = es * (a.y ? 4 : 2), flops = 28, buffers = a.y ? 3 : 2; break;
  }
  for_each_share(a.n, a.c.cgs, [&](int group, int64_t begin, int64_t end) {
    GroupCounts& g = out.per_group[group];
    g.dma_get_bytes += get * (end - begin);
    g.dma_put_bytes += es * (end - begin);
    g.flops_f32 += flops * (end - begin);
  });
  out.ldm_high_water = (buffers - 1) * ldm_granules(4 * a.chunk) + 4 * a.chunk;
  return out;
}

// A row: its mean and variance (one fetch when it fits the chunk, two passes of fetches when not),
// then the weight, the bias and the row again (when it did not fit) per chunk, and the put.
SpawnCounts predict_layer_norm(const sw_row_args& a) {
  SpawnCounts out;
  out.per_group.resize(static_cast<size_t>(a.c.cgs));
  const int es = sw_dtype_bytes(a.dtype);
  const int64_t row_fetches = a.n <= a.chunk ? 1 : 3;
  for_each_share(a.rows, a.c.cgs, [&](int group, int64_t begin, int64_t end) {
    GroupCounts& g = out.per_group[group];
    g.dma_get_bytes += es * a.n * (row_fetches + 2) * (end - begin);
    g.dma_put_bytes += es * a.n * (end - begin);
    g.flops_f32 += 8 * a.n * (end - begin);
  });
  out.ldm_high_water = ldm_granules(4 * a.chunk) + 4 * a.chunk;
  return out;
}

}  // namespace glm::sunway
