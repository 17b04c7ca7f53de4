// GEMM dispatch. hipBLAS is optional and detected when the addon is built (build.sh defines
// GLM_DCU_HIPBLAS when DTK/ROCm provides hipblas.h and libhipblas): Debian has none, the HIP→CUDA
// build and the emulator never use it, so everywhere but a DTK machine the portable tiled GEMM runs.
// Row-major C = A·op(B) is column-major Cᵀ = op(B)ᵀ·Aᵀ, so hipBLAS's A is our B. hipBLAS has no bias
// epilogue: C is first filled with the bias rows and the product added with beta = 1 (one rounding).
#include "gemm_dispatch.h"

#include "dcu_kernels.h"

#if defined(GLM_DCU_HIPBLAS)
#if __has_include(<hipblas/hipblas.h>)
#include <hipblas/hipblas.h>
#else
#include <hipblas.h>
#endif
#endif

namespace glm {
namespace {

GemmStats stats;

#if defined(GLM_DCU_HIPBLAS)
hipblasHandle_t handle = nullptr;
std::string blas_error;
bool initialised = false;

hipblasDatatype_t blas_type(int dtype) { return dtype == F32 ? HIPBLAS_R_32F : dtype == F16 ? HIPBLAS_R_16F : HIPBLAS_R_16B; }

bool run_hipblas(const GemmParams& p, Stream s, std::string* why) {
  if (!handle) {
    *why = blas_error;
    return false;
  }
  if (p.m > INT32_MAX || p.n > INT32_MAX || p.k > INT32_MAX || p.batch > INT32_MAX) {
    *why = "dimensions beyond hipBLAS's int";
    return false;
  }
  float beta = 0.f;
  if (p.bias) {
    if (p.type_c != p.type_ab) {
      *why = "bias with an fp32 C";
      return false;
    }
    launch_bias_rows(p, s);
    beta = 1.f;
  }
  hipblasSetStream(handle, s);
  const float alpha = p.alpha;
  const hipblasStatus_t st = hipblasGemmStridedBatchedEx(
      handle, p.trans_b ? HIPBLAS_OP_T : HIPBLAS_OP_N, HIPBLAS_OP_N, static_cast<int>(p.n), static_cast<int>(p.m), static_cast<int>(p.k), &alpha,
      p.b, blas_type(p.type_b), static_cast<int>(p.ldb), p.stride_b, p.a, blas_type(p.type_ab), static_cast<int>(p.lda), p.stride_a, &beta,
      p.c, blas_type(p.type_c), static_cast<int>(p.ldc), p.stride_c, static_cast<int>(p.batch), HIPBLAS_R_32F, HIPBLAS_GEMM_DEFAULT);
  if (st != HIPBLAS_STATUS_SUCCESS) {
    *why = "hipblasGemmStridedBatchedEx returned status " + std::to_string(static_cast<int>(st));
    return false;  // C holds the bias rows at most: the tiled GEMM overwrites it
  }
  return true;
}
#endif

}  // namespace

void gemm_init() {
#if defined(GLM_DCU_HIPBLAS)
  if (initialised) return;
  initialised = true;
  const hipblasStatus_t st = hipblasCreate(&handle);
  if (st != HIPBLAS_STATUS_SUCCESS) {
    handle = nullptr;
    blas_error = "hipblasCreate returned status " + std::to_string(static_cast<int>(st));
  }
#endif
}

std::string gemm_library_status() {
#if defined(GLM_DCU_EMULATE)
  return "hipBLAS is not used by the CPU emulator";
#elif !defined(GLM_DCU_AMD)
  return "hipBLAS is not used by the HIP→CUDA build (the portable kernels are what is being checked)";
#elif defined(GLM_DCU_HIPBLAS)
  return initialised && !handle ? blas_error : "";
#else
  return "built without hipBLAS (no hipblas.h/libhipblas where the addon was built)";
#endif
}

const GemmStats& gemm_stats() { return stats; }

// No path here adds the addend in its epilogue (hipBLAS's beta·C could; not wired): the caller adds it.
bool gemm(const GemmParams& p, GemmPath path, Stream s) {
  const bool quantized = p.type_b == I8 || p.type_b == I4;
  const bool gemv_fits = p.m <= 16 && p.batch == 1 && p.trans_b && p.type_c == p.type_ab;
  if (gemv_fits && (path == GemmPath::Gemv || (path == GemmPath::Auto && quantized))) {
    ++stats.gemv;
    launch_gemv(p, s);
    return false;
  }
#if defined(GLM_DCU_HIPBLAS)
  if (path != GemmPath::Portable && !quantized) {
    std::string why;
    if (run_hipblas(p, s, &why)) {
      ++stats.vendor;
      return false;
    }
    ++stats.vendor_fallbacks;
    stats.last_fallback = why;
  }
#endif
  ++stats.tiled;
  launch_gemm_tiled(p, s);
  return false;
}

}  // namespace glm
