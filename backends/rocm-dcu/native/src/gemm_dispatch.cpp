// GEMM dispatch. A vendor BLAS is optional and detected when the addon is built: build.sh defines
// GLM_DCU_HIPBLAS when DTK/ROCm provides hipblas.h and libhipblas, else GLM_DCU_ROCBLAS when it
// provides rocblas.h and librocblas (DTK ships both on most releases; some ROCm installs only
// rocBLAS). Debian has neither, the HIP→CUDA build and the emulator never use one, so everywhere but
// a DTK/ROCm machine the portable tiled GEMM runs.
// Row-major C = A·op(B) is column-major Cᵀ = op(B)ᵀ·Aᵀ, so the BLAS's A is our B. Neither has a bias
// epilogue: C is first filled with the bias rows and the product added with beta = 1 (one rounding).
#include "gemm_dispatch.h"

#include "dcu_kernels.h"
#include "device_contexts.h"

#if defined(GLM_DCU_HIPBLAS)
#if __has_include(<hipblas/hipblas.h>)
#include <hipblas/hipblas.h>
#else
#include <hipblas.h>
#endif
#define GLM_DCU_VENDOR_BLAS 1
#elif defined(GLM_DCU_ROCBLAS)
#if __has_include(<rocblas/rocblas.h>)
#include <rocblas/rocblas.h>
#else
#include <rocblas.h>
#endif
#define GLM_DCU_VENDOR_BLAS 1
#endif

namespace glm {
namespace {

GemmStats stats;

#if defined(GLM_DCU_VENDOR_BLAS)
std::string blas_error;

bool fail(std::string* why, std::string text) {
  *why = std::move(text);
  return false;
}

// Why the library cannot take p at all ("" if it can); fills C with the bias rows when there is one.
std::string prepare(const GemmParams& p, Stream s, float* beta) {
  if (p.m > INT32_MAX || p.n > INT32_MAX || p.k > INT32_MAX || p.batch > INT32_MAX) return "dimensions beyond the BLAS's int";
  *beta = 0.f;
  if (p.bias) {
    if (p.type_c != p.type_ab) return "bias with an fp32 C";
    launch_bias_rows(p, s);
    *beta = 1.f;
  }
  return "";
}
#endif

#if defined(GLM_DCU_HIPBLAS)
constexpr const char* kLibrary = "hipBLAS";
// A handle belongs to the device current when it was made: one per device context (device_contexts.h).
struct Vendor {
  hipblasHandle_t handle = nullptr;
  bool initialised = false;
};
Vendor& vendor() { return device::per_device<Vendor>(); }

hipblasDatatype_t blas_type(int dtype) { return dtype == F32 ? HIPBLAS_R_32F : dtype == F16 ? HIPBLAS_R_16F : HIPBLAS_R_16B; }

void create_handle() {
  const hipblasStatus_t st = hipblasCreate(&vendor().handle);
  if (st != HIPBLAS_STATUS_SUCCESS) {
    vendor().handle = nullptr;
    blas_error = "hipblasCreate returned status " + std::to_string(static_cast<int>(st));
  }
}

bool run_vendor(const GemmParams& p, Stream s, std::string* why) {
  float beta = 0.f;
  const auto handle = vendor().handle;
  if (!handle) return fail(why, blas_error);
  if (!(*why = prepare(p, s, &beta)).empty()) return false;
  hipblasSetStream(handle, s);
  const float alpha = p.alpha;
  const hipblasStatus_t st = hipblasGemmStridedBatchedEx(
      handle, p.trans_b ? HIPBLAS_OP_T : HIPBLAS_OP_N, HIPBLAS_OP_N, static_cast<int>(p.n), static_cast<int>(p.m), static_cast<int>(p.k), &alpha,
      p.b, blas_type(p.type_b), static_cast<int>(p.ldb), p.stride_b, p.a, blas_type(p.type_ab), static_cast<int>(p.lda), p.stride_a, &beta,
      p.c, blas_type(p.type_c), static_cast<int>(p.ldc), p.stride_c, static_cast<int>(p.batch), HIPBLAS_R_32F, HIPBLAS_GEMM_DEFAULT);
  if (st != HIPBLAS_STATUS_SUCCESS) return fail(why, "hipblasGemmStridedBatchedEx returned status " + std::to_string(static_cast<int>(st)));
  return true;  // on failure C holds the bias rows at most: the tiled GEMM overwrites it
}
#elif defined(GLM_DCU_ROCBLAS)
constexpr const char* kLibrary = "rocBLAS";
// A handle belongs to the device current when it was made: one per device context (device_contexts.h).
struct Vendor {
  rocblas_handle handle = nullptr;
  bool initialised = false;
};
Vendor& vendor() { return device::per_device<Vendor>(); }

rocblas_datatype blas_type(int dtype) { return dtype == F32 ? rocblas_datatype_f32_r : dtype == F16 ? rocblas_datatype_f16_r : rocblas_datatype_bf16_r; }

void create_handle() {
  const rocblas_status st = rocblas_create_handle(&vendor().handle);
  if (st != rocblas_status_success) {
    vendor().handle = nullptr;
    blas_error = "rocblas_create_handle returned status " + std::to_string(static_cast<int>(st));
  }
}

// rocBLAS writes D from C: both are our C (in place, as its documentation allows for equal layouts).
bool run_vendor(const GemmParams& p, Stream s, std::string* why) {
  float beta = 0.f;
  const auto handle = vendor().handle;
  if (!handle) return fail(why, blas_error);
  if (!(*why = prepare(p, s, &beta)).empty()) return false;
  rocblas_set_stream(handle, s);
  const float alpha = p.alpha;
  const rocblas_datatype tc = blas_type(p.type_c);
  const rocblas_status st = rocblas_gemm_strided_batched_ex(
      handle, p.trans_b ? rocblas_operation_transpose : rocblas_operation_none, rocblas_operation_none, static_cast<rocblas_int>(p.n),
      static_cast<rocblas_int>(p.m), static_cast<rocblas_int>(p.k), &alpha, p.b, blas_type(p.type_b), static_cast<rocblas_int>(p.ldb), p.stride_b,
      p.a, blas_type(p.type_ab), static_cast<rocblas_int>(p.lda), p.stride_a, &beta, p.c, tc, static_cast<rocblas_int>(p.ldc), p.stride_c, p.c, tc,
      static_cast<rocblas_int>(p.ldc), p.stride_c, static_cast<rocblas_int>(p.batch), rocblas_datatype_f32_r, rocblas_gemm_algo_standard, 0, 0);
  if (st != rocblas_status_success) return fail(why, "rocblas_gemm_strided_batched_ex returned status " + std::to_string(static_cast<int>(st)));
  return true;
}
#endif

}  // namespace

void gemm_init() {
#if defined(GLM_DCU_VENDOR_BLAS)
  if (vendor().initialised) return;
  vendor().initialised = true;
  create_handle();
#endif
}

const char* gemm_library() {
#if defined(GLM_DCU_VENDOR_BLAS)
  return kLibrary;
#else
  return "";
#endif
}

std::string gemm_library_status() {
#if defined(GLM_DCU_EMULATE)
  return "no vendor BLAS in the CPU emulator: the portable tiled GEMM";
#elif !defined(GLM_DCU_AMD)
  return "no vendor BLAS in the HIP→CUDA build (the portable kernels are what is being checked)";
#elif defined(GLM_DCU_VENDOR_BLAS)
  return vendor().initialised && !vendor().handle ? blas_error : "";
#else
  return "built without hipBLAS or rocBLAS (neither hipblas.h/libhipblas nor rocblas.h/librocblas where the addon was built)";
#endif
}

const GemmStats& gemm_stats() { return stats; }

// No path here adds the addend in its epilogue (the BLAS's beta·C could; not wired): the caller adds it.
bool gemm(const GemmParams& p, GemmPath path, Stream s) {
  const bool quantized = p.type_b == I8 || p.type_b == I4;
  const bool gemv_fits = p.m <= 16 && p.batch == 1 && p.trans_b && p.type_c == p.type_ab;
  if (gemv_fits && (path == GemmPath::Gemv || (path == GemmPath::Auto && quantized))) {
    ++stats.gemv;
    launch_gemv(p, s);
    return false;
  }
#if defined(GLM_DCU_VENDOR_BLAS)
  if (path != GemmPath::Portable && !quantized) {
    std::string why;
    if (run_vendor(p, s, &why)) {
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
