// Launchers of the rocm-dcu kernels that are the DCU's own (kernels/*.hip); the shared ones are
// declared in backends/simt/native/kernels.h.
#pragma once

#include <stdexcept>
#include <string>

#include "kernels.h"

namespace glm {

// The portable tiled GEMM: 128×128 tiles of C per workgroup of 256 threads, 8×8 per thread, k in
// steps of 16 through LDS (double-buffered, 32 KiB: two workgroups per CU of 64 KiB), fp32
// accumulation, no matrix instructions of either vendor. Any shape, strided batches, i8/i4 weights
// with per-row scales, bias.
void launch_gemm_tiled(const GemmParams& p, Stream s);
// c[b][m, :] = bias (the hipBLAS path adds the product on top with beta = 1: one rounding).
void launch_bias_rows(const GemmParams& p, Stream s);

}  // namespace glm
