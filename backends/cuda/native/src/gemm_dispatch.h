// Which GEMM runs a product: cuBLASLt (float operands, 16-byte aligned, fp32 accumulation), the
// GEMV kernel (a few rows of activations against [n, k] weights, any weight type), or the portable
// SIMT kernel (everything else, and everything when cuBLASLt is absent).
#pragma once

#include <string>

#include "gemm.h"

namespace glm {

// gemm() and gemm_init(): backends/simt/native/gemm.h (GemmPath::Portable is the SIMT kernel,
// GemmPath::Vendor cuBLASLt).

struct GemmStats {
  long long lt = 0, simt = 0, gemv = 0, small_m = 0, lt_fallbacks = 0;
  std::string last_fallback;
};
const GemmStats& gemm_stats();
// "" if cuBLASLt is usable, else why not; `where` gets the library path when loaded.
std::string gemm_library_status(std::string* where);

}  // namespace glm
