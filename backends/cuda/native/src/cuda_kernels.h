// The launchers of the cuda backend's own tensor-core kernels; the SIMT family's kernels (those
// shared with rocm-dcu) are declared in backends/simt/native/kernels.h.
#pragma once
#include "kernels.h"

namespace glm {
// 16-byte aligned: what cp.async and the 16-byte vector loads of the tensor-core kernels need.
inline bool aligned16(const void* ptr) { return (reinterpret_cast<uintptr_t>(ptr) & 15) == 0; }

// Half-precision weights [N, K] times 1–16 activation rows on tensor cores (kernels/gemm_small_m.cu):
// whether the shapes, types and alignments fit, and the launch.
constexpr int64_t kSmallMMaxRows = 16;
bool small_m_gemm_fits(const GemmParams& p);
void launch_gemm_small_m(const GemmParams& p, Stream s);
// INT4 weights [N, K/2 bytes] and INT8 weights [N, K] times 1–16 fp16 activation rows on tensor cores
// (kernels/gemv_int4.cu, kernels/gemv_int8.cu).
bool gemv_i4_tensor_core_fits(const GemmParams& p);
void launch_gemv_i4_tensor_core(const GemmParams& p, Stream s);
bool gemv_i8_tensor_core_fits(const GemmParams& p);
void launch_gemv_i8_tensor_core(const GemmParams& p, Stream s);
}  // namespace glm

#include <cstdlib>

namespace glm {
// Whether a tensor-core kernel family may run: the device is sm_80+ (mma.sync m16n8k16; the CPU
// emulator has its own versions) and the environment variable `off_switch` is not "0". Callers ask
// once and keep the answer.
inline bool tensor_cores_enabled(const char* off_switch) {
  const char* v = std::getenv(off_switch);
  int major = 8;
#ifndef GLM_CUDA_EMULATE
  int device = 0;
  cudaGetDevice(&device);
  cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device);
#endif
  return major >= 8 && !(v && v[0] == '0');
}
}  // namespace glm
