// Which GEMM runs a product on the DCU: hipBLAS or rocBLAS (float operands, fp32 accumulation) where
// the build found one, the GEMV kernel (a few rows of activations against [n, k] weights, any weight type), or
// the portable tiled GEMM (everything else, and everything without hipBLAS): the DCU's gemm() and
// gemm_init() (backends/simt/native/gemm.h; GemmPath::Portable is the tiled GEMM, GemmPath::Vendor
// the BLAS), and what the addon reports of them.
#pragma once

#include <string>

#include "gemm.h"

namespace glm {

struct GemmStats {
  long long vendor = 0, tiled = 0, gemv = 0, vendor_fallbacks = 0;
  std::string last_fallback;
};
const GemmStats& gemm_stats();
// "" if the vendor BLAS is in use, else why not.
std::string gemm_library_status();
// The vendor BLAS the addon was built with: "hipBLAS", "rocBLAS" or "" (none).
const char* gemm_library();

}  // namespace glm
