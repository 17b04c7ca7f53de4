// The Sunway family's launchers: one per launch code, each reading its record's arguments in the order
// the family's lowerings (backends/sunway/lowerings/) wrote them, filling the kernel's argument struct
// and spawning it (registry.cpp lists them). Shared readers for argument groups are here.
#pragma once

#include <string>

#include "program.h"
#include "spawn.h"

extern "C" {
#include "dtype.h"
}

namespace glm::sunway::launchers {

void copy(Reader& r);
void cache_write(Reader& r);
void binary(Reader& r);
void masked_fill(Reader& r);
void scale(Reader& r);
void cast(Reader& r);
void gelu(Reader& r);
void geglu(Reader& r);
void deepnorm(Reader& r);
void dequantize(Reader& r);
void layer_norm(Reader& r);
void softmax(Reader& r);
void log_sum_exp(Reader& r);
void glm_mask_fill(Reader& r);
void top_k(Reader& r);
void rotary_table(Reader& r);
void rope(Reader& r);
void qkv_bias_rope(Reader& r);
void attention(Reader& r);
void grouped_query_attention(Reader& r);
void gemm(Reader& r);
void rms_norm(Reader& r);
void swiglu(Reader& r);
void interleaved_rope(Reader& r);

// Registers every launcher with the program runtime (once).
void register_all();

inline int read_rank(Reader& r) {
  const int rank = r.i32();
  if (rank < 1 || rank > SW_MAX_RANK) throw ProgramError(std::string(r.op()) + ": rank " + std::to_string(rank) + " outside 1.." + std::to_string(SW_MAX_RANK), r.tag());
  return rank;
}

inline void read_dims(Reader& r, int rank, int64_t* out) {
  for (int d = 0; d < rank; ++d) out[d] = r.i64();
}

// A main-memory pointer argument, tagged for the kernels.
template <typename T = char>
T* read_ptr(Reader& r) {
  return main_ptr(r.ptr<T>());
}

}  // namespace glm::sunway::launchers
