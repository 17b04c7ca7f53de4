// Which GEMM runs a product: cuBLASLt (float operands, 16-byte aligned, fp32 accumulation), the
// GEMV kernel (a few rows of activations against [n, k] weights, any weight type), or the portable
// SIMT kernel (everything else, and everything when cuBLASLt is absent).
#pragma once

#include <string>

#include "kernels.h"

namespace glm {

enum class GemmPath : int { Auto = 0, Simt = 1, Gemv = 2, Lt = 3 };

// Runs the product; true when it also added p.addend (see GemmParams), false when the caller must.
bool gemm(const GemmParams& p, GemmPath path, Stream s);

struct GemmStats {
  long long lt = 0, simt = 0, gemv = 0, small_m = 0, lt_fallbacks = 0;
  std::string last_fallback;
};
const GemmStats& gemm_stats();
// "" if cuBLASLt is usable, else why not; `where` gets the library path when loaded.
std::string gemm_library_status(std::string* where);
void gemm_init();

}  // namespace glm
