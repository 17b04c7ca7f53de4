// The SIMT family's matrix product, which the gemm and attention launchers call and each backend
// implements in its gemm_dispatch.cpp (its vendor BLAS, its own kernels, the shared fallbacks).
#pragma once

#include "glm_launch_codes.h"
#include "kernels.h"

namespace glm {

// Runs the product on the path a gemm record asks for (GemmPath::Auto: the backend chooses). True
// when it also added p.addend (see GemmParams), false when the caller must.
bool gemm(const GemmParams& p, GemmPath path, Stream s);
// Loads the vendor BLAS and what it needs (once; the addon's open() calls it after the device opened).
void gemm_init();

}  // namespace glm
