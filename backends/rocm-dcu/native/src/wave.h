// The wavefront layer: every reduction and shuffle of the rocm-dcu kernels goes through here, for a
// wavefront of GLM_WAVE lanes — a compile-time parameter set by the build (64 for a DCU). Kernels
// index lanes and wavefronts only through wave::lane() / wave::index() and size their per-lane work
// by GLM_WAVE, so the same source serves a wave64 DCU and an NVIDIA GPU.
//
// How a wavefront maps onto the hardware's (GLM_HW_WAVE):
//   - GLM_WAVE == GLM_HW_WAVE: the hardware's own shuffles (a DCU's wave64 — gfx9 has no wave32 — or
//     an NVIDIA warp with GLM_WAVE=32);
//   - GLM_WAVE == 2 · GLM_HW_WAVE (GLM_WAVE=64 on NVIDIA): a logical wavefront of two warps. Shuffles
//     whose lane mask stays inside a warp are warp shuffles; the bit that crosses warps goes through
//     shared memory, fenced by a hardware barrier that joins just the wavefront's two warps. This
//     runs the wave64 indexing on NVIDIA hardware; it is not how a DCU executes it.
#pragma once

#ifndef GLM_WAVE
#error "GLM_WAVE (the wavefront width the kernels are built for: 32 or 64) must be defined by the build"
#endif

#if defined(GLM_DCU_AMD)
#define GLM_HW_WAVE 64
#if defined(__HIP_DEVICE_COMPILE__) && defined(__AMDGCN_WAVEFRONT_SIZE)
static_assert(__AMDGCN_WAVEFRONT_SIZE == GLM_HW_WAVE, "rocm-dcu targets wave64 GPUs (gfx9 / DCU); this offload arch runs wave32");
#endif
#elif defined(GLM_DCU_EMULATE)
#define GLM_HW_WAVE GLM_EMU_WARP
#else
#define GLM_HW_WAVE 32
#endif

static_assert(GLM_WAVE == GLM_HW_WAVE || GLM_WAVE == 2 * GLM_HW_WAVE,
              "GLM_WAVE must be the hardware's wavefront or, on 32-lane hardware, a logical wavefront of two warps");
#define GLM_LOGICAL_WAVE (GLM_WAVE != GLM_HW_WAVE)

namespace glm {
namespace wave {

constexpr int kWidth = GLM_WAVE;
/** Most threads of a block that uses the wave layer (15 logical wavefronts of 64 fit the barriers). */
constexpr int kMaxBlockThreads = 512;

#if defined(GLM_DEVICE_CODE)
__device__ __forceinline__ int lane() { return static_cast<int>(threadIdx.x) & (GLM_WAVE - 1); }
__device__ __forceinline__ int index() { return static_cast<int>(threadIdx.x) / GLM_WAVE; }
// This thread's lane and wavefront for the SIMT family's shared block reductions (block_reduce.h).
#define GLM_WAVE_LANE glm::wave::lane()
#define GLM_WAVE_INDEX glm::wave::index()

#if GLM_LOGICAL_WAVE
// The two warps of this wavefront meet (hardware barrier 1 + wavefront index; 0 is __syncthreads').
__device__ __forceinline__ void barrier() {
#if defined(GLM_DCU_EMULATE)
  emu::sync_group(GLM_WAVE);
#else
  glm_group_barrier(1u + static_cast<unsigned>(index()), GLM_WAVE);
#endif
}

// Each lane gets the value of lane ^ GLM_HW_WAVE: the other warp's lane, through shared memory.
template <typename T>
__device__ __forceinline__ T exchange_warps(T v) {
  __shared__ T slots[kMaxBlockThreads];
  slots[threadIdx.x] = v;
  barrier();
  const T other = slots[threadIdx.x ^ GLM_HW_WAVE];
  barrier();  // the slots are free again for the next exchange
  return other;
}
#endif

// The value of lane (lane ^ mask) of this wavefront, mask < GLM_WAVE. Every lane takes part.
template <typename T>
__device__ __forceinline__ T shfl_xor(T v, int mask) {
#if GLM_LOGICAL_WAVE
  if (mask & GLM_HW_WAVE) v = exchange_warps(v);
  mask &= GLM_HW_WAVE - 1;
  if (mask == 0) return v;
#endif
  return __shfl_xor(v, mask, GLM_HW_WAVE);
}

// Butterfly reductions: after each step partners hold bitwise-equal values (a + b == b + a), so
// every lane ends with the same result.
__device__ __forceinline__ float sum(float v) {
#pragma unroll
  for (int offset = GLM_WAVE / 2; offset > 0; offset >>= 1) v += shfl_xor(v, offset);
  return v;
}

__device__ __forceinline__ float max(float v) {
#pragma unroll
  for (int offset = GLM_WAVE / 2; offset > 0; offset >>= 1) v = fmaxf(v, shfl_xor(v, offset));
  return v;
}
#endif

}  // namespace wave
}  // namespace glm
