// The rocm-dcu dialect: the HIP the kernels are written in, on one of three targets chosen at build
// time. One source for all three:
//   - a DCU (or any AMD GPU): hipcc with HIP_PLATFORM=amd, --offload-arch=gfx906 (Debian's hipcc) or
//     gfx928/gfx936 (DTK's hipcc); the HIP runtime is libamdhip64.so.5;
//   - an NVIDIA GPU: nvcc through hip_to_cuda.h, to run the HIP sources on the lent H100;
//   - the CPU emulator (GLM_DCU_EMULATE): g++ with emu/emu.h, to check the kernels where there is no GPU.
// The SIMT family's shared code (backends/simt/native: the kernels, the device context, the record
// launchers) is written in the CUDA spelling of the parts both vendors share; for it this header names
// HIP's bfloat16 `__nv_bfloat16` and, on AMD, maps the CUDA runtime's names onto HIP's (cuda_names.h),
// the way ggml's HIP header maps CUDA names. Everything that depends on the wavefront width goes
// through wave.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cmath>
#include <cstring>
#include <type_traits>

#if defined(GLM_DCU_EMULATE)
#include "emu/emu.h"
#elif defined(__HIP_PLATFORM_AMD__) || (defined(__clang__) && defined(__HIP__))  // HIP-Clang (hipcc, HIP_PLATFORM=amd)
#define GLM_DCU_AMD 1
#include <hip/hip_runtime.h>
#include <hip/hip_bfloat16.h>
#include <hip/hip_fp16.h>
#include "cuda_names.h"
#else
#include "hip_to_cuda.h"
#define GLM_SIMT_NVIDIA 1  // the runtime is NVIDIA's
#endif

// What the SIMT family's shared host code calls this backend: the runtime's prefix in messages
// ("hipMalloc of ..."), the switch that makes every launch wait, the kernels' dialect.
#define GLM_RUNTIME_NAME "hip"
#define GLM_SYNC_VARIABLE "GLM_DCU_SYNC"
#define GLM_DIALECT_NAME "HIP"

#if defined(GLM_DCU_EMULATE)
#define GLM_SIMT_EMULATE 1
#define GLM_DEVICE_CODE 1
#define GLM_DYN_SMEM(T, name) T* name = reinterpret_cast<T*>(emu::dynamic_smem())
#define GLM_RESTRICT
using hipStream_t = void*;
using hip_bfloat16 = __nv_bfloat16;
#else
#if defined(__CUDACC__) || defined(__HIPCC__)
#define GLM_DEVICE_CODE 1
#endif
#define GLM_DYN_SMEM(T, name)                                                  \
  extern __shared__ __attribute__((aligned(16))) unsigned char name##_raw[]; \
  T* name = reinterpret_cast<T*>(name##_raw)
#define GLM_RESTRICT __restrict__
#endif

#if defined(GLM_DCU_AMD)
// CUDA's name for the bfloat16 storage type, for the kernels shared with the cuda backend.
using __nv_bfloat16 = hip_bfloat16;
#endif

// HIP-Clang assumes 1024-thread workgroups unless told otherwise, which on gfx9 caps a kernel at 64
// VGPRs (and spills the GEMV and attention kernels to scratch): the DCU's own kernels state their
// workgroup size. Only on AMD — the NVIDIA build stays the code that was measured.
#if defined(GLM_DCU_AMD)
#define GLM_AMD_LAUNCH_BOUNDS(threads) __launch_bounds__(threads)
#else
#define GLM_AMD_LAUNCH_BOUNDS(threads)
#endif

// Rows of LayerNorm/softmax take at most this many threads: a logical 64-wide wavefront on NVIDIA
// holds one of the 15 spare hardware barriers (wave.h), and 512 is a DCU workgroup's sweet spot.
#define GLM_MAX_ROW_THREADS 512

#include "wave.h"

#include "dtypes.h"

namespace glm {

using Stream = hipStream_t;

#if defined(GLM_DCU_EMULATE)
template <typename... P, typename... A>
inline void launch(void (*kernel)(P...), dim3 grid, dim3 block, size_t smem, Stream, A... args) {
  emu::launch(grid, block, smem, [=]() { kernel(args...); });
}
#elif defined(GLM_DEVICE_CODE)
template <typename... P, typename... A>
inline void launch(void (*kernel)(P...), dim3 grid, dim3 block, size_t smem, Stream stream, A... args) {
  hipLaunchKernelGGL(kernel, grid, block, smem, stream, args...);
}
#endif

// DType and dtype_bytes: backends/program/native/dtypes.h; blocks_for: backends/simt/native/kernels.h.

#if defined(GLM_DEVICE_CODE)
// Loads and stores through fp32; fp64 results (ops defined as one rounding of an exact product) are
// rounded once: to fp32 with round-to-odd, which keeps enough bits that the final rounding to the
// 16-bit type is the correctly rounded one (HIP 5.2 has no double→half/bfloat16 conversions).
__device__ __forceinline__ float to_f32(float v) { return v; }
__device__ __forceinline__ float to_f32(__half v) { return __half2float(v); }
__device__ __forceinline__ float to_f32(hip_bfloat16 v) { return static_cast<float>(v); }

template <typename T> __device__ __forceinline__ T from_f32(float v);
template <> __device__ __forceinline__ float from_f32<float>(float v) { return v; }
template <> __device__ __forceinline__ __half from_f32<__half>(float v) { return __float2half_rn(v); }
template <> __device__ __forceinline__ hip_bfloat16 from_f32<hip_bfloat16>(float v) { return hip_bfloat16(v); }

__device__ __forceinline__ float round_to_odd_f32(double v) {
  const float f = static_cast<float>(v);
  unsigned bits = __float_as_uint(f);
  const bool finite = (bits & 0x7f800000u) != 0x7f800000u;
  if (!finite || static_cast<double>(f) == v || v != v) return f;
  if (fabs(static_cast<double>(f)) > fabs(v)) bits -= 1;  // rounded away from zero: step back
  return __uint_as_float(bits | 1u);
}

template <typename T> __device__ __forceinline__ T from_f64(double v);
template <> __device__ __forceinline__ float from_f64<float>(double v) { return static_cast<float>(v); }
template <> __device__ __forceinline__ __half from_f64<__half>(double v) { return __float2half_rn(round_to_odd_f32(v)); }
template <> __device__ __forceinline__ hip_bfloat16 from_f64<hip_bfloat16>(double v) { return hip_bfloat16(round_to_odd_f32(v)); }

#endif

}  // namespace glm

#include "block_reduce.h"
