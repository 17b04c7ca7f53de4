// Dispatch of predictions by kernel (predict.h).
#include "predict.h"

#include <stdexcept>

#include "kernels.h"

namespace glm::sunway {

void share_of(int64_t n, int w, int workers, int64_t* begin, int64_t* end) {
  const int64_t base = n / workers, extra = n % workers;
  *begin = w * base + (w < extra ? w : extra);
  *end = *begin + base + (w < extra ? 1 : 0);
}

uint64_t ldm_granules(uint64_t bytes) { return (bytes + 63) / 64 * 64; }

uint64_t ldm_high_water(std::initializer_list<uint64_t> allocations) {
  uint64_t mark = 0, last = 0;
  for (uint64_t bytes : allocations) mark += ldm_granules(last), last = bytes;
  return mark + last;
}

namespace {

// The kernel's model, and the size of its argument struct (every CPE fetches it by DMA first).
SpawnCounts model_of(Kernel kernel, const char* name, const void* args, size_t* args_bytes) {
  if (kernel == SLAVE_FUN(sw_gemm_kernel)) return *args_bytes = sizeof(sw_gemm_args), predict_gemm(*static_cast<const sw_gemm_args*>(args));
  if (kernel == SLAVE_FUN(sw_gemv_kernel)) return *args_bytes = sizeof(sw_gemm_args), predict_gemv(*static_cast<const sw_gemm_args*>(args));
  if (kernel == SLAVE_FUN(sw_attention_kernel)) return *args_bytes = sizeof(sw_attention_args), predict_attention(*static_cast<const sw_attention_args*>(args));
  if (kernel == SLAVE_FUN(sw_rotary_kernel)) return *args_bytes = sizeof(sw_rotary_args), predict_rotary(*static_cast<const sw_rotary_args*>(args));
  if (kernel == SLAVE_FUN(sw_unary_kernel)) return *args_bytes = sizeof(sw_unary_args), predict_unary(*static_cast<const sw_unary_args*>(args));
  const auto* rows = static_cast<const sw_row_args*>(args);
  if (kernel == SLAVE_FUN(sw_rows_kernel) && rows->op == SW_ROW_LAYER_NORM) return *args_bytes = sizeof(sw_row_args), predict_layer_norm(*rows);
  throw std::runtime_error(std::string(name) + ": no count model for this kernel (the model covers the GLM layer's kernels)");
}

}  // namespace

SpawnCounts predict(Kernel kernel, const char* name, const void* args, const sw_common& c) {
  size_t args_bytes = 0;
  SpawnCounts out = model_of(kernel, name, args, &args_bytes);
  out.per_group.resize(static_cast<size_t>(c.cgs));
  for (GroupCounts& g : out.per_group) g.dma_get_bytes += 64 * args_bytes;
  out.kernel = name;
  out.core_groups = c.cgs;
  out.predicted = true;
  return out;
}

}  // namespace glm::sunway
