// Which GEMM runs a product on the DCU: hipBLAS (float operands, fp32 accumulation) where the build
// found it, the GEMV kernel (a few rows of activations against [n, k] weights, any weight type), or
// the portable tiled GEMM (everything else, and everything without hipBLAS). The same interface as
// the cuda backend's gemm_dispatch.h, which the shared launch-program interpreter calls.
#pragma once

#include <string>

#include "kernels.h"

namespace glm {

// The codes of a gemm record's path word (backends/gpu-common/launch-codes.ts GEMM_PATH).
enum class GemmPath : int { Auto = 0, Tiled = 1, Gemv = 2, Vendor = 3 };

// Runs the product; true when it also added p.addend (see GemmParams), false when the caller must.
bool gemm(const GemmParams& p, GemmPath path, Stream s);

struct GemmStats {
  long long vendor = 0, tiled = 0, gemv = 0, vendor_fallbacks = 0;
  std::string last_fallback;
};
const GemmStats& gemm_stats();
// "" if hipBLAS is in use, else why not.
std::string gemm_library_status();
void gemm_init();

}  // namespace glm
