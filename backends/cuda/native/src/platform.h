// One kernel source, two targets: real CUDA (nvcc, sm_80/sm_90), or the CPU emulator
// (GLM_CUDA_EMULATE: g++, every CUDA thread a coroutine) that lets the kernels be checked
// against cpu-ref on machines without a GPU. Kernels use only what both provide:
// __global__/__device__/__shared__, threadIdx & co, __syncthreads, the *_sync shuffles,
// GLM_DYN_SMEM for dynamic shared memory, and launch() below. The host code the SIMT family shares
// (backends/simt/native: device.cpp, the launchers) is written against this header too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cmath>
#include <type_traits>

#ifdef GLM_CUDA_EMULATE
#include "emu/emu.h"
#else
#include <cuda_runtime.h>
#define GLM_SIMT_NVIDIA 1  // the runtime is NVIDIA's
#endif

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include "dtypes.h"

// What the SIMT family's shared host code calls this backend: the runtime's prefix in messages
// ("cudaMalloc of ..."), the switch that makes every launch wait, the kernels' dialect.
#define GLM_RUNTIME_NAME "cuda"
#define GLM_SYNC_VARIABLE "GLM_CUDA_SYNC"
#define GLM_DIALECT_NAME "CUDA"

#ifdef GLM_CUDA_EMULATE
#define GLM_SIMT_EMULATE 1
#define GLM_DYN_SMEM(T, name) T* name = reinterpret_cast<T*>(emu::dynamic_smem())
#define GLM_RESTRICT
#else
#define GLM_DYN_SMEM(T, name)                                  \
  extern __shared__ __align__(16) unsigned char name##_raw[]; \
  T* name = reinterpret_cast<T*>(name##_raw)
#define GLM_RESTRICT __restrict__
#endif

namespace glm {

#ifdef GLM_CUDA_EMULATE
using Stream = void*;
template <typename... P, typename... A>
inline void launch(void (*kernel)(P...), dim3 grid, dim3 block, size_t smem, Stream, A... args) {
  emu::launch(grid, block, smem, [=]() { kernel(args...); });
}
#else
using Stream = cudaStream_t;
#ifdef __CUDACC__
template <typename... P, typename... A>
inline void launch(void (*kernel)(P...), dim3 grid, dim3 block, size_t smem, Stream stream, A... args) {
  kernel<<<grid, block, smem, stream>>>(args...);
}
#endif
#endif

// DType and dtype_bytes: backends/program/native/dtypes.h; blocks_for: backends/simt/native/kernels.h.

// Device helpers: only where kernels are compiled (nvcc, or the emulator's host compiler).
#if defined(__CUDACC__) || defined(GLM_CUDA_EMULATE)
#define GLM_DEVICE_CODE 1
// Loads and stores through fp32 (and fp64 where the op is defined as one rounding of an exact product).
__device__ __forceinline__ float to_f32(float v) { return v; }
__device__ __forceinline__ float to_f32(__half v) { return __half2float(v); }
__device__ __forceinline__ float to_f32(__nv_bfloat16 v) { return __bfloat162float(v); }

template <typename T> __device__ __forceinline__ T from_f32(float v);
template <> __device__ __forceinline__ float from_f32<float>(float v) { return v; }
template <> __device__ __forceinline__ __half from_f32<__half>(float v) { return __float2half_rn(v); }
template <> __device__ __forceinline__ __nv_bfloat16 from_f32<__nv_bfloat16>(float v) { return __float2bfloat16_rn(v); }

template <typename T> __device__ __forceinline__ T from_f64(double v);
template <> __device__ __forceinline__ float from_f64<float>(double v) { return static_cast<float>(v); }
template <> __device__ __forceinline__ __half from_f64<__half>(double v) { return __double2half(v); }
template <> __device__ __forceinline__ __nv_bfloat16 from_f64<__nv_bfloat16>(double v) { return __double2bfloat16(v); }

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
  for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset);
  return v;
}

__device__ __forceinline__ float warp_max(float v) {
#pragma unroll
  for (int offset = 16; offset > 0; offset >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, offset));
  return v;
}

// The wavefront the shared block reductions (backends/simt/native/block_reduce.h) run over: a warp.
// Lane and warp are expressions, not calls: so the reductions compile to the PTX they had as cuda's own.
namespace wave {
constexpr int kWidth = 32;
__device__ __forceinline__ float sum(float v) { return warp_sum(v); }
__device__ __forceinline__ float max(float v) { return warp_max(v); }
}  // namespace wave
#define GLM_WAVE_LANE (threadIdx.x & 31)
#define GLM_WAVE_INDEX (threadIdx.x >> 5)

#endif

}  // namespace glm

#include "block_reduce.h"
